// code-msg-envelope: the `{code, msg, ...body}` envelope some OpenAI-compatible aggregators add
// (智增增: code 0 = success; ModelBridge: {"code":"105","msg":"token invalid.","success":false}).
//
// Provider scope (providers.X.plugins): onUpstreamResponse unwraps the envelope. A success code has the
// envelope fields stripped so the adapter sees a plain OpenAI body; any other code (even with HTTP 200)
// becomes a GatewayError. Bodies that are not JSON objects or lack the code field pass through untouched.
// Route scope (routes[].plugins): onResponse wraps JSON object bodies as {code: 0, msg: '', ...body}
// and onError as {code: <error_code or HTTP status>, msg: <message>, ...errorBody}, keeping the status.
// Streams are left alone (no onStreamEvent): the envelope is a property of buffered JSON bodies.

import {
  GatewayError,
  definePlugin,
  errors,
  parseRetryAfter,
  type ErrorView,
  type JsonObject,
  type JsonValue,
  type PluginContext,
  type ResponseView,
  type UpstreamReply,
} from '../src/contracts/index.ts';

type Scalar = string | number | boolean;

export interface CodeMsgOptions {
  codeField: string;
  msgField: string;
  successValues: Scalar[];
  extraStrip: string[];
  /** Code written into wrapped errors; undefined = the HTTP status number. */
  errorCode?: Scalar;
  /** e.g. 'success' (ModelBridge): `false` marks a failure; wrapped bodies get true/false. */
  successField?: string;
  /** Codes that always mean "the upstream rejected our provider key". */
  authCodes: Scalar[];
}

const scalar = { type: ['string', 'number', 'boolean'] };

export const optionsSchema: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code_field: { type: 'string', minLength: 1, default: 'code', description: 'Top-level field holding the status code.' },
    msg_field: { type: 'string', minLength: 1, default: 'msg', description: 'Top-level field holding the status message.' },
    success_values: { type: 'array', items: scalar, default: [0, '0'], description: 'Code values that mean success (compared with ===).' },
    extra_strip: { type: 'array', items: { type: 'string' }, default: [], description: 'More top-level fields removed when a success body is unwrapped (e.g. ["success"]).' },
    error_code: { ...scalar, description: 'Code written into wrapped error bodies. Default: the HTTP status number.' },
    success_field: { type: 'string', minLength: 1, description: 'Optional boolean field (e.g. "success" for ModelBridge). false marks a failure on unwrap; wrapped bodies carry true/false; stripped on unwrap.' },
    auth_codes: { type: 'array', items: scalar, default: [], description: 'Codes that mean the upstream rejected the provider key (mapped to upstream_auth_failed). Messages such as "token invalid" are recognised without this.' },
  },
};

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Applies defaults to the raw `plugins.<name>.options` object (ajv has already checked the shape). */
export function resolveOptions(raw: Readonly<JsonObject>): CodeMsgOptions {
  const str = (v: JsonValue | undefined, d: string) => (typeof v === 'string' && v !== '' ? v : d);
  const scalars = (v: JsonValue | undefined, d: Scalar[]) => (Array.isArray(v) ? v.filter(isScalar) : d);
  return {
    codeField: str(raw.code_field, 'code'),
    msgField: str(raw.msg_field, 'msg'),
    successValues: scalars(raw.success_values, [0, '0']),
    extraStrip: Array.isArray(raw.extra_strip) ? raw.extra_strip.filter((v): v is string => typeof v === 'string') : [],
    errorCode: isScalar(raw.error_code) ? raw.error_code : undefined,
    successField: typeof raw.success_field === 'string' && raw.success_field !== '' ? raw.success_field : undefined,
    authCodes: scalars(raw.auth_codes, []),
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseObject(text: string): JsonObject | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const AUTH_MESSAGE = /\btoken[\s_-]*(is[\s_-]*)?(invalid|expired|missing)|invalid[\s_-]*(api[\s_-]*)?(token|key)\b|\bapi[\s_-]*key[\s_-]*(is[\s_-]*)?(invalid|expired|missing|error)|incorrect api key|unauthori[sz]ed|authenticat|\bauth(orization)?[\s_-]*failed|(令牌|密钥|秘钥)(无效|错误|过期)|无效的?(令牌|密钥)|鉴权失败|认证失败|授权失败/i;

/** Heuristic: does this code/msg say the upstream rejected our provider credentials? */
export function looksLikeAuthFailure(code: JsonValue | undefined, msg: string, status: number, opts: CodeMsgOptions): boolean {
  if (status === 401 || status === 403) return true;
  if (isScalar(code) && opts.authCodes.some((c) => String(c) === String(code))) return true;
  return AUTH_MESSAGE.test(msg);
}

function messageOf(body: JsonObject, opts: CodeMsgOptions): string {
  const msg = body[opts.msgField];
  if (typeof msg === 'string' && msg.trim()) return msg.trim();
  const err = body.error;
  if (isObject(err) && typeof err.message === 'string' && err.message) return err.message;
  if (typeof err === 'string' && err) return err;
  return 'no message';
}

/** Unwraps one upstream reply; exported for tests and for reuse outside the hook. */
export function unwrapReply(reply: UpstreamReply, opts: CodeMsgOptions, provider: string): UpstreamReply {
  const body = parseObject(reply.text);
  if (!body) return reply;
  const hasCode = Object.prototype.hasOwnProperty.call(body, opts.codeField);
  const successFlag = opts.successField !== undefined ? body[opts.successField] : undefined;
  if (!hasCode && successFlag !== false) return reply;

  const code = body[opts.codeField];
  const ok = hasCode && opts.successValues.some((v) => v === code) && successFlag !== false;
  if (ok) {
    const stripped: JsonObject = {};
    const drop = new Set([opts.codeField, opts.msgField, ...opts.extraStrip]);
    if (opts.successField !== undefined) drop.add(opts.successField);
    for (const [k, v] of Object.entries(body)) if (!drop.has(k)) stripped[k] = v;
    return { status: reply.status, headers: reply.headers, text: JSON.stringify(stripped) };
  }

  const msg = messageOf(body, opts).slice(0, 300);
  if (looksLikeAuthFailure(code, msg, reply.status, opts)) throw errors.upstreamAuth(provider);
  const retryable = reply.status >= 500 || reply.status === 429;
  const shownCode = code === undefined ? `${opts.successField}=false` : `${opts.codeField} ${JSON.stringify(code)}`;
  throw new GatewayError({
    status: 502,
    type: 'upstream_error',
    code: 'upstream_error',
    message: `Provider "${provider}" returned ${shownCode}: ${msg}`,
    retryable,
    cause: reply.status >= 400 ? reply.status : undefined,
    retryAfterMs: retryable ? parseRetryAfter(reply.headers.get('retry-after')) : undefined,
  });
}

/** Wraps a successful JSON object body: envelope fields first, then the body. */
export function wrapBody(body: JsonValue, opts: CodeMsgOptions): JsonValue {
  if (!isObject(body)) return body;
  const out: JsonObject = { [opts.codeField]: opts.successValues[0] ?? 0, [opts.msgField]: '' };
  if (opts.successField !== undefined) out[opts.successField] = true;
  for (const [k, v] of Object.entries(body)) if (!(k in out)) out[k] = v;
  return out;
}

/** Wraps an OpenAI-shaped error body: {code: <error_code or status>, msg: <message>, ...errorBody}. */
export function wrapErrorBody(body: JsonValue, status: number, opts: CodeMsgOptions): JsonValue {
  const errObj = isObject(body) ? body : { error: body };
  const inner = errObj.error;
  const message = isObject(inner) && typeof inner.message === 'string' ? inner.message : typeof inner === 'string' ? inner : `HTTP ${status}`;
  const out: JsonObject = { [opts.codeField]: opts.errorCode ?? status, [opts.msgField]: message };
  if (opts.successField !== undefined) out[opts.successField] = false;
  for (const [k, v] of Object.entries(errObj)) if (!(k in out)) out[k] = v;
  return out;
}

export default definePlugin({
  name: 'code-msg-envelope',
  optionsSchema,
  onUpstreamResponse(reply: UpstreamReply, ctx: PluginContext): UpstreamReply {
    return unwrapReply(reply, resolveOptions(ctx.options), ctx.provider ?? 'upstream');
  },
  onResponse(response: ResponseView, ctx: PluginContext): ResponseView {
    return { ...response, body: wrapBody(response.body, resolveOptions(ctx.options)) };
  },
  onError(error: ErrorView, ctx: PluginContext): ErrorView {
    return { ...error, body: wrapErrorBody(error.body, error.status, resolveOptions(ctx.options)) };
  },
});
