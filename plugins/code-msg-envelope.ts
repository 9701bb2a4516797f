// code-msg-envelope: the `{code, msg, ...body}` envelope some OpenAI-compatible aggregators add
// (智增增: code 0 = success; ModelBridge: {"code":"105","msg":"token invalid.","success":false}).
//
// Provider scope (providers.X.plugins): onUpstreamResponse unwraps the envelope of buffered replies and
// onUpstreamStreamEvent that of each stream event. A success code has the envelope fields stripped so the
// adapter sees a plain OpenAI body or chunk; any other code (even with HTTP 200) becomes a GatewayError,
// classified as the adapters classify upstream failures (envelopeError below): `auth_codes` and
// "token invalid"-style messages → upstream_auth_failed; a code listed in `status_codes` → that HTTP
// status through errorFromUpstreamStatus (e.g. 404 → upstream_not_found, not retried); a non-2xx reply →
// its own status the same way; a 2xx reply → a retryable 502 upstream_error, so failover moves on (an
// aggregator answering 200 {"code":1001,"msg":"余额不足"} is a failed channel). In a stream the error fails
// the attempt before the first content (failover) and is the stream's error event after it.
// Bodies that are not JSON objects or lack the code field pass through untouched.
// Route scope (routes[].plugins): onResponse wraps JSON object bodies as {code: 0, msg: '', ...body}
// and onError as {code: <error_code or HTTP status>, msg: <message>, ...errorBody}, keeping the status.
// Streams sent to the client are not wrapped (no onStreamEvent).

import {
  GatewayError,
  definePlugin,
  errorFromUpstreamStatus,
  errors,
  parseRetryAfter,
  type ErrorView,
  type JsonObject,
  type JsonValue,
  type PluginContext,
  type ResponseView,
  type UpstreamReply,
  type UpstreamStreamEvent,
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
  /** Code (as a string) → the HTTP status it stands for (400-599), classified like that upstream status. */
  statusCodes: ReadonlyMap<string, number>;
  /** Derived once: the fields an unwrapped body loses, and the JSON keys that mark an enveloped stream event. */
  drop: ReadonlySet<string>;
  needles: readonly string[];
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
    status_codes: {
      type: 'object',
      propertyNames: { minLength: 1 },
      additionalProperties: { type: 'integer', minimum: 400, maximum: 599 },
      default: {},
      description: 'Code → the HTTP status it stands for, e.g. {"1002": 404, "1003": 400, "1004": 429}. A listed code is an upstream error with that status: 400/404/413/422 are the client\'s request (4xx, not retried, not billed), 401/403 the provider key, 402/408/409/429/5xx retryable (subject to routing.retry.on). An unlisted code on a 2xx reply is a retryable 502 upstream_error.',
    },
  },
};

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Options resolved per options object: the same object serves a config's every request (plugin-runner.ts). */
const resolved = new WeakMap<object, CodeMsgOptions>();

/** Applies defaults to the raw `plugins.<name>.options` object (ajv has already checked the shape). Memoised. */
export function resolveOptions(raw: Readonly<JsonObject>): CodeMsgOptions {
  let opts = resolved.get(raw);
  if (opts) return opts;
  const str = (v: JsonValue | undefined, d: string) => (typeof v === 'string' && v !== '' ? v : d);
  const scalars = (v: JsonValue | undefined, d: Scalar[]) => (Array.isArray(v) ? v.filter(isScalar) : d);
  const codeField = str(raw.code_field, 'code');
  const msgField = str(raw.msg_field, 'msg');
  const extraStrip = Array.isArray(raw.extra_strip) ? raw.extra_strip.filter((v): v is string => typeof v === 'string') : [];
  const successField = typeof raw.success_field === 'string' && raw.success_field !== '' ? raw.success_field : undefined;
  opts = {
    codeField, msgField, extraStrip, successField,
    successValues: scalars(raw.success_values, [0, '0']),
    errorCode: isScalar(raw.error_code) ? raw.error_code : undefined,
    authCodes: scalars(raw.auth_codes, []),
    statusCodes: statusMap(raw.status_codes),
    drop: new Set([codeField, msgField, ...extraStrip, ...(successField !== undefined ? [successField] : [])]),
    needles: [`"${codeField}"`, ...(successField !== undefined ? [`"${successField}"`] : [])],
  };
  resolved.set(raw, opts);
  return opts;
}

function statusMap(raw: JsonValue | undefined): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  if (isObject(raw)) for (const [code, status] of Object.entries(raw)) if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) out.set(code, status);
  return out;
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

/**
 * The error an envelope failure stands for, classified as the adapters classify upstream failures:
 * auth_codes → upstream_auth_failed; a status_codes code → errorFromUpstreamStatus(that status); a provider key
 * rejection by HTTP status or message → upstream_auth_failed; a non-2xx reply → errorFromUpstreamStatus(its
 * status); a 2xx reply (the aggregator's "HTTP 200, code != 0") → a retryable 502 upstream_error.
 */
export function envelopeError(code: JsonValue | undefined, msg: string, status: number, headers: Headers | undefined, opts: CodeMsgOptions, provider: string): GatewayError {
  const shown = code === undefined ? `${opts.successField}=false` : `${opts.codeField} ${JSON.stringify(code)}`;
  const text = `${shown}: ${msg}`;
  const retryAfterMs = parseRetryAfter(headers?.get('retry-after'));
  const key = isScalar(code) ? String(code) : undefined;
  if (key !== undefined && opts.authCodes.some((c) => String(c) === key)) return errors.upstreamAuth(provider);
  const mapped = key !== undefined ? opts.statusCodes.get(key) : undefined;
  if (mapped !== undefined) return errorFromUpstreamStatus(provider, mapped, text, retryAfterMs);
  if (looksLikeAuthFailure(code, msg, status, opts)) return errors.upstreamAuth(provider);
  if (status < 200 || status >= 300) return errorFromUpstreamStatus(provider, status, text, retryAfterMs);
  return new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_error', message: `Provider "${provider}" returned ${text}`, retryable: true, retryAfterMs });
}

/** The body without the envelope fields, or a GatewayError for a failure code; undefined when there is no envelope. */
function unwrapBody(body: JsonObject, status: number, headers: Headers | undefined, opts: CodeMsgOptions, provider: string): JsonObject | undefined {
  const hasCode = Object.prototype.hasOwnProperty.call(body, opts.codeField);
  const successFlag = opts.successField !== undefined ? body[opts.successField] : undefined;
  if (!hasCode && successFlag !== false) return undefined;
  const code = body[opts.codeField];
  const ok = hasCode && opts.successValues.some((v) => v === code) && successFlag !== false;
  if (!ok) throw envelopeError(code, messageOf(body, opts).slice(0, 300), status, headers, opts, provider);
  const stripped: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!opts.drop.has(k)) stripped[k] = v;
  return stripped;
}

/** Unwraps one upstream reply; exported for tests and for reuse outside the hook. */
export function unwrapReply(reply: UpstreamReply, opts: CodeMsgOptions, provider: string): UpstreamReply {
  const body = parseObject(reply.text);
  const stripped = body && unwrapBody(body, reply.status, reply.headers, opts, provider);
  return stripped ? { status: reply.status, headers: reply.headers, text: JSON.stringify(stripped) } : reply;
}

/**
 * Unwraps one stream event: `{code: 0, msg: "", ...chunk}` loses the envelope fields; a failure code throws
 * (classified as on a 2xx reply: the stream's HTTP status was 2xx). Events without the fields (most
 * aggregators put the envelope on some chunks only), `[DONE]` and non-JSON events pass unchanged.
 */
function unwrapEvent(event: UpstreamStreamEvent, opts: CodeMsgOptions, provider: string): UpstreamStreamEvent | undefined {
  // Most events carry neither field: skip the parse (the adapter parses every event again anyway).
  let marked = false;
  for (const needle of opts.needles) if (event.data.includes(needle)) marked = true;
  if (!marked) return undefined;
  const body = parseObject(event.data);
  const stripped = body && unwrapBody(body, 200, undefined, opts, provider);
  return stripped ? { ...event, data: JSON.stringify(stripped) } : undefined;
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
  onUpstreamStreamEvent(event: UpstreamStreamEvent, ctx: PluginContext): UpstreamStreamEvent | undefined {
    return unwrapEvent(event, resolveOptions(ctx.options), ctx.provider ?? 'upstream');
  },
  onResponse(response: ResponseView, ctx: PluginContext): ResponseView {
    return { ...response, body: wrapBody(response.body, resolveOptions(ctx.options)) };
  },
  onError(error: ErrorView, ctx: PluginContext): ErrorView {
    return { ...error, body: wrapErrorBody(error.body, error.status, resolveOptions(ctx.options)) };
  },
});
