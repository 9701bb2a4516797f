// Pure helpers for the onebound-inbound plugin: parse a request written for onebound's custom OpenAI
// API (seed 001), map its `method` to a Switchyard path, and wrap/render answers in onebound's envelope.
//
// Where parameters come from (parseOneboundRequest):
//   - the query string: key, secret, method, cache, result_type, lang, _o_args (the GET form);
//   - a form-urlencoded POST body: the same fields as form fields;
//   - a JSON POST body: if the object has an `_o_args` field, it is an envelope like the form (its
//     `_o_args` may be a JSON string or an object, and its key/secret/method/... string fields count);
//     otherwise the whole object is the OpenAI body (the args) and the control fields come from the query.
//   A field present in the body wins over the query string. multipart/form-data is not supported (4003).
//   `_o_args` absent → args = {} (e.g. v1/models). key or method absent → OneboundError 4014; `_o_args`
//   not JSON or not a JSON object → 4003; unknown result_type → 4003. secret absent → ''.
//   `lang` (cn/en/ru, default cn; anything else → cn) and `cache` (default yes) are parsed and returned.

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';
import { ONEBOUND_STATUS_TEXT, OneboundError, type OneboundCode } from './codes.ts';

export type ResultType = 'json' | 'jsonu' | 'xml' | 'serialize' | 'var_export';
export const RESULT_TYPES: readonly ResultType[] = ['json', 'jsonu', 'xml', 'serialize', 'var_export'];
export type Lang = 'cn' | 'en' | 'ru';

export interface OneboundRequest {
  key: string;
  secret: string;
  /** As sent, e.g. 'v1/chat/completions' (pass it to methodToPath). */
  method: string;
  /** The OpenAI request body from _o_args. */
  args: JsonObject;
  cache: 'yes' | 'no';
  resultType: ResultType;
  lang: Lang;
}

export interface OneboundEnvelope {
  response: JsonValue;
  error: string;
  reason: string;
  error_code: string;
  request_id: string;
  last_id?: string;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Lookup = (name: string) => string | undefined;

function parseArgs(raw: JsonValue | undefined): JsonObject {
  if (raw === undefined || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new OneboundError('4003', `_o_args is not valid JSON (${(err as Error).message}). Send the OpenAI request body as a JSON object, URL-encoded.`);
    }
  }
  if (!isObject(value)) throw new OneboundError('4003', '_o_args must be a JSON object such as {"model":"gpt-4o-mini","messages":[...]}.');
  return value;
}

/** Body fields + raw _o_args value, by content type. */
function parseBody(body: { contentType?: string | null; text: string }): { field: Lookup; args?: JsonValue; wholeArgs?: JsonObject } {
  const text = body.text ?? '';
  const ct = (body.contentType ?? '').toLowerCase();
  if (!text.trim()) return { field: () => undefined };
  if (ct.includes('multipart/form-data')) {
    throw new OneboundError('4003', 'multipart bodies are not supported on the onebound surface; send _o_args form-urlencoded or as JSON.');
  }
  const isJson = ct.includes('json') || (!ct.includes('x-www-form-urlencoded') && text.trimStart().startsWith('{'));
  if (!isJson) {
    const form = new URLSearchParams(text);
    return { field: (n) => form.get(n) ?? undefined, args: form.get('_o_args') ?? undefined };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OneboundError('4003', `The request body is not valid JSON (${(err as Error).message}).`);
  }
  if (!isObject(parsed)) throw new OneboundError('4003', 'A JSON request body must be an object.');
  if (!('_o_args' in parsed)) return { field: () => undefined, wholeArgs: parsed };
  const obj = parsed;
  return {
    field: (n) => (typeof obj[n] === 'string' ? (obj[n] as string) : typeof obj[n] === 'number' ? String(obj[n]) : undefined),
    args: obj._o_args,
  };
}

export function parseOneboundRequest(url: URL, body: { contentType?: string | null; text: string }): OneboundRequest {
  const parsed = parseBody(body);
  const get = (name: string): string | undefined => {
    const v = parsed.field(name) ?? url.searchParams.get(name) ?? undefined;
    return v === undefined ? undefined : v.trim();
  };
  const method = get('method');
  if (!method) throw new OneboundError('4014', 'Missing url param "method" (e.g. method=v1/chat/completions).');
  const key = get('key');
  if (!key) throw new OneboundError('4014', 'Missing url param "key": put your Switchyard API key in key=.');
  const args = parsed.wholeArgs ?? parseArgs(parsed.args ?? url.searchParams.get('_o_args') ?? undefined);
  const rt = (get('result_type') || 'json').toLowerCase();
  if (!(RESULT_TYPES as readonly string[]).includes(rt)) {
    throw new OneboundError('4003', `result_type "${rt.slice(0, 40)}" is not one of ${RESULT_TYPES.join(', ')}.`);
  }
  const lang = (get('lang') || 'cn').toLowerCase();
  return {
    key,
    secret: get('secret') ?? '',
    method,
    args,
    cache: (get('cache') ?? '').toLowerCase() === 'no' ? 'no' : 'yes',
    resultType: rt as ResultType,
    lang: lang === 'en' || lang === 'ru' ? lang : 'cn',
  };
}

/** The async (Midjourney-style) image job paths: not OpenAI routes, the plugin answers them itself. */
export const IMAGES_SUBMIT_PATH = '/images/submit';
export const IMAGES_GET_PATH = '/images/get';

const EXACT = new Set([
  'chat/completions', 'completions', 'embeddings', 'models', 'moderations',
  'images/generations', 'images/edits', 'images/variations',
  'audio/transcriptions', 'audio/translations', 'audio/speech',
  'files', 'fine_tuning/jobs', 'batches',
]);
const PREFIXES = ['models/', 'files/', 'fine_tuning/jobs/', 'batches/'];
const SEGMENT = /^[A-Za-z0-9_.:-]+$/;

/**
 * onebound `method` → Switchyard path: 'v1/chat/completions' (or 'chat/completions', '/v1/...') →
 * '/v1/chat/completions'. 'images/submit' / 'images/get' (with or without v1/) → IMAGES_SUBMIT_PATH /
 * IMAGES_GET_PATH. Anything else (including the retired v1/edits) → OneboundError 4010.
 */
export function methodToPath(method: string): string {
  const m = method.trim().replace(/^\/+/, '');
  const rest = m.startsWith('v1/') ? m.slice(3) : m;
  if (rest === 'images/submit') return IMAGES_SUBMIT_PATH;
  if (rest === 'images/get') return IMAGES_GET_PATH;
  const segments = rest.split('/');
  const safe = segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  if (safe && (EXACT.has(rest) || PREFIXES.some((p) => rest.startsWith(p) && rest.length > p.length))) return `/v1/${rest}`;
  throw new OneboundError('4010', `API not found: method "${m.slice(0, 80)}" is not supported. Use e.g. v1/chat/completions, v1/completions, v1/embeddings, v1/models, v1/images/generations.`);
}

/** last_id repeats request_id: the gateway's only id for a call (index.ts says why). */
export function wrapSuccess(response: JsonValue, requestId: string): OneboundEnvelope {
  return { response, error: '', reason: '', error_code: '0000', request_id: requestId, last_id: requestId };
}

/** error = onebound's status text for the code, reason = our message; response defaults to {}. */
export function wrapError(code: OneboundCode, message: string, requestId: string, opts: { response?: JsonValue } = {}): OneboundEnvelope {
  return { response: opts.response ?? {}, error: ONEBOUND_STATUS_TEXT[code], reason: message, error_code: code, request_id: requestId, last_id: requestId };
}

/** JSON with every non-ASCII UTF-16 unit escaped as \uXXXX (PHP json_encode's default): ASCII-only. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Removes characters XML 1.0 cannot carry (C0 controls except tab/LF/CR, U+FFFE/FFFF; lone surrogates → U+FFFD). */
function xmlText(s: string): string {
  return s
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function xmlElement(name: string, value: JsonValue | undefined): string {
  const valid = XML_NAME.test(name) && !/^xml/i.test(name);
  const open = valid ? name : `item key="${xmlText(name)}"`;
  const close = valid ? name : 'item';
  if (value === undefined) return '';
  if (value === null) return `<${open}/>`;
  return `<${open}>${xmlValue(value)}</${close}>`;
}

function xmlValue(value: JsonValue): string {
  if (Array.isArray(value)) return value.map((v) => xmlElement('item', v)).join('');
  if (isObject(value)) return Object.entries(value).map(([k, v]) => xmlElement(k, v)).join('');
  if (value === null) return '';
  return xmlText(String(value));
}

/**
 * Deterministic XML: `<?xml version="1.0" encoding="UTF-8"?>` + `<root>...</root>`, no whitespace added;
 * object keys become elements (keys that are not XML names, or start with "xml", become
 * `<item key="...">`), array elements become repeated `<item>`, null becomes `<name/>`, booleans
 * true/false, text escaped (& < > " ').
 */
export function toXml(value: JsonValue): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<root>${xmlValue(value)}</root>`;
}

/**
 * Serialises an envelope for result_type: json → ASCII-only JSON (\uXXXX escapes, onebound's default);
 * jsonu → JSON with readable unicode; xml → toXml. serialize / var_export (PHP formats) fall back to the
 * json rendering: no non-PHP client can read them and we do not emit PHP syntax.
 */
export function render(envelope: OneboundEnvelope, resultType: ResultType): { body: string; contentType: string } {
  if (resultType === 'xml') return { body: toXml(envelope as unknown as JsonObject), contentType: 'application/xml; charset=utf-8' };
  if (resultType === 'jsonu') return { body: JSON.stringify(envelope), contentType: 'application/json; charset=utf-8' };
  return { body: asciiJson(envelope), contentType: 'application/json; charset=utf-8' };
}
