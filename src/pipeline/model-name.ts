// Model names come from clients: bounded before they reach error messages, plugins or logs. (Names
// that are not this gateway's models are never stored in the ledger; see metering.ts.)

import type { JsonValue } from '../contracts/canonical.ts';
import { GatewayError } from '../contracts/errors.ts';

/** Longer than any real model id (the longest known are ~100 characters). */
export const MAX_MODEL_NAME_LENGTH = 256;

/** 400 invalid_value when `model` is a string longer than MAX_MODEL_NAME_LENGTH. */
export function assertModelName(model: JsonValue | undefined, param = 'model'): void {
  if (typeof model !== 'string' || model.length <= MAX_MODEL_NAME_LENGTH) return;
  throw new GatewayError({
    status: 400, type: 'invalid_request_error', code: 'invalid_value', param,
    message: `"${param}" is ${model.length} characters long; model names on this gateway are at most ${MAX_MODEL_NAME_LENGTH}. Use a name listed by GET /v1/models.`,
  });
}
