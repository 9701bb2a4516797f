// The shape checks on an OpenAI embeddings request that every adapter relies on. `dimensions` sizes the
// answer, so it must be a positive integer (a negative, fractional or string value is a 400 naming the
// field, as OpenAI answers) before any provider sees it. How large a provider allows is its own business.

import { errors } from '../contracts/errors.ts';
import type { JsonObject } from '../contracts/canonical.ts';

export function validateEmbeddings(body: JsonObject): void {
  const dims = body.dimensions;
  if (dims === undefined || dims === null) return;
  if (typeof dims !== 'number' || !Number.isSafeInteger(dims) || dims < 1) {
    const got = typeof dims === 'number' ? `got ${dims}` : `not ${Array.isArray(dims) ? 'an array' : typeof dims === 'object' ? 'an object' : `a ${typeof dims}`}`;
    throw errors.invalidValue('dimensions', `"dimensions" must be a positive integer (the length of each embedding vector, e.g. 256); ${got}. Leave it out for the model's default length.`);
  }
}
