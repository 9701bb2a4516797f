// Bounds on everything a client's request sizes in the mock provider's answers: embedding length and
// count, image count, moderation inputs and streamed words. Without them one small request could make the
// mock build gigabytes (`"dimensions": 1000000000` once did). Each check returns the 400 to answer, or
// undefined; the messages say which limit was hit and how to stay within it.

import type { JsonValue } from '../../src/contracts/index.ts';

/** Longest embedding vector the mock makes (real models stop at a few thousand). */
export const MAX_DIMENSIONS = 16_384;
/** Most inputs in one embeddings or moderations request (OpenAI's limit for embeddings). */
export const MAX_INPUTS = 2048;
/** Most numbers in one embeddings answer (inputs × dimensions): about 10 MB of JSON. */
export const MAX_EMBEDDING_VALUES = 1_048_576;
/** OpenAI's range for the image `n`. */
export const MAX_IMAGES = 10;
/** Most words the mock streams as chunks for one reply (each word is its own SSE event). */
export const MAX_STREAM_WORDS = 100_000;

export interface MockLimitError {
  param: string;
  message: string;
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

export function checkEmbeddings(dims: JsonValue | undefined, inputs: number): MockLimitError | undefined {
  if (!positiveInt(dims) || dims > MAX_DIMENSIONS) {
    return { param: 'dimensions', message: `The mock provider makes embeddings of 1 to ${MAX_DIMENSIONS} dimensions; got ${JSON.stringify(dims)}. Ask for fewer "dimensions" (or leave it out for the default).` };
  }
  const inputError = checkInputs(inputs, 'embeddings');
  if (inputError) return inputError;
  if (inputs * dims > MAX_EMBEDDING_VALUES) {
    return { param: 'input', message: `The mock provider returns at most ${MAX_EMBEDDING_VALUES} numbers per embeddings request; ${inputs} inputs × ${dims} dimensions is ${inputs * dims}. Send fewer inputs per request or ask for fewer "dimensions".` };
  }
  return undefined;
}

export function checkInputs(inputs: number, what: 'embeddings' | 'moderations'): MockLimitError | undefined {
  if (inputs <= MAX_INPUTS) return undefined;
  return { param: 'input', message: `The mock provider accepts at most ${MAX_INPUTS} inputs per ${what} request; got ${inputs}. Split "input" over several requests.` };
}

export function checkImageCount(n: unknown): MockLimitError | undefined {
  if (positiveInt(n) && n <= MAX_IMAGES) return undefined;
  return { param: 'n', message: `"n" must be an integer from 1 to ${MAX_IMAGES} (images per request); got ${typeof n === 'number' ? n : JSON.stringify(n)}.` };
}

export function checkStreamWords(words: number): MockLimitError | undefined {
  if (words <= MAX_STREAM_WORDS) return undefined;
  return { param: 'messages', message: `The mock provider streams at most ${MAX_STREAM_WORDS} words per reply and this echo has ${words}. Set "max_tokens" or send a shorter last user message (or do not stream).` };
}
