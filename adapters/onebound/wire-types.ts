// onebound's custom OpenAI API (seed 001): one URL, `key`/`secret`/`method` in the query string, the
// OpenAI request body as JSON in `_o_args`, and every answer wrapped in this envelope.

import type { JsonValue } from '../../src/contracts/index.ts';

/** `{"response": <OpenAI body>, "error": "", "reason": "", "error_code": "0000", "request_id": ..., "last_id": ...}` */
export interface OneboundEnvelope {
  response?: JsonValue;
  error?: string;
  reason?: string;
  /** A 4-digit string on the wire; a PHP backend may send a number (0 → '0000'). */
  error_code?: string | number;
  request_id?: string;
  last_id?: string | number;
}

/** The documented error_code table (seed 001, 错误码解释); one definition for the adapter and the inbound plugin. */
export type OneboundCode =
  | '0000' | '2000' | '4000' | '4001' | '4002' | '4003' | '4004' | '4005' | '4006' | '4007' | '4008'
  | '4009' | '4010' | '4012' | '4013' | '4014' | '4015' | '4016' | '4017' | '5000';

export const ONEBOUND_STATUS_TEXT: Readonly<Record<OneboundCode, string>> = {
  '0000': 'success',
  '2000': 'Search success but no result',
  '4000': 'Server internal error',
  '4001': 'Network error',
  '4002': 'Target server error',
  '4003': 'Param error',
  '4004': 'Account not found',
  '4005': 'Invalid authentication credentials',
  '4006': 'API stopped',
  '4007': 'Account stopped',
  '4008': 'API rate limit exceeded',
  '4009': 'API maintenance',
  '4010': 'API not found with these values',
  '4012': 'Please add api first',
  '4013': 'Number of calls exceeded',
  '4014': 'Missing url param',
  '4015': 'Wrong pageToken',
  '4016': 'Insufficient balance',
  '4017': 'timeout error',
  '5000': 'unknown error',
};

/** Default endpoint when providers.X.base_url is empty (seed 001's 请求地址). */
export const ONEBOUND_DEFAULT_URL = 'https://api-gw-4.cn/openai/custom';
