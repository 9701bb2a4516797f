// What a readable upstream answer looks like per operation. A 200 whose body is something else (an HTML
// page from a CDN, a JSON object without `choices`/`data`) is an upstream failure (502
// upstream_invalid_response, retryable), never an answer. The check reads fields of the body the
// adapter already parsed: it costs no second parse.

import type { JsonValue, Operation } from '../contracts/canonical.ts';
import { choicesShapeProblem, idAndModelProblem } from '../contracts/choice-shape.ts';
import type { InboundCall } from './types.ts';

/** The array field every answer of the operation carries (canonical OpenAI shape). */
const REQUIRED_ARRAY: Partial<Record<Operation, string>> = {
  chat: 'choices',
  completions: 'choices',
  embeddings: 'data',
  'images.generations': 'data',
  'images.edits': 'data',
  'images.variations': 'data',
  moderations: 'results',
  responses: 'output',
};

/** Does the operation answer with JSON (so a non-JSON 200 is unreadable)? */
export function expectsJson(call: InboundCall): boolean {
  if (call.operation === 'passthrough' || call.operation === 'audio.speech') return false;
  if (call.operation === 'audio.transcriptions' || call.operation === 'audio.translations') {
    // text, srt and vtt answers are plain text; json / verbose_json (the default) are JSON
    const format = call.body.response_format ?? call.form?.get('response_format');
    return format === undefined || format === null || format === 'json' || format === 'verbose_json' || format === 'diarized_json';
  }
  return true;
}

/** Why a decoded answer is not one the operation returns, or undefined when it is. */
export function answerShapeProblem(operation: Operation, body: JsonValue): string | undefined {
  if (operation === 'passthrough') return undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the answer is not a JSON object';
  const field = REQUIRED_ARRAY[operation];
  if (field && !Array.isArray(body[field])) return `the answer has no "${field}" array`;
  if (operation === 'chat') {
    const problem = choicesShapeProblem(body.choices as unknown[], 'message') ?? idAndModelProblem(body);
    if (problem) return `the answer's ${problem}`;
  }
  if ((operation === 'audio.transcriptions' || operation === 'audio.translations') && typeof body.text !== 'string') return 'the answer has no "text"';
  return undefined;
}
