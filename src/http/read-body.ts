// Reads and checks an inbound request body: size limit (413), read deadline (408), content type (415),
// JSON (400), multipart forms, and raw bytes for passthrough. Fields that would choose an upstream host
// are dropped. Callers authenticate first, so a bad key never costs a body read; a body that is not
// read to its end makes app.ts close the connection after the answer. A client that breaks off its
// upload is a client that left (ClientGone → 499), not a gateway error.

import type { JsonObject, Operation } from '../contracts/canonical.ts';
import { GatewayError, errors } from '../contracts/errors.ts';
import { ClientGone } from '../upstream/call.ts';
import { type Deadline, deadlines } from '../runtime/deadline-wheel.ts';
import { MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.ts';

/** Body fields a client could use to steer the gateway to another host or key; never forwarded. */
const STEERING_FIELDS = ['api_base', 'base_url', 'api_key', 'api_version', 'organization', 'azure_endpoint', 'custom_llm_provider', 'extra_headers', 'api_type'];

/** Strict: a malformed byte sequence throws instead of becoming U+FFFD (reused; decode() keeps no state between calls). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const MULTIPART_OPS: ReadonlySet<Operation> = new Set(['images.edits', 'images.variations', 'audio.transcriptions', 'audio.translations']);

export interface ParsedBody {
  body: JsonObject;
  /** The `model` named in a passthrough JSON body (checked against the key's model allowlist). */
  passthroughModel?: string;
  form?: FormData;
  raw?: Uint8Array;
  contentType?: string;
}

/** server.body_timeout_ms default: a whole body must arrive within this many ms. */
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

/**
 * The body's bytes, within `limit` bytes and `timeoutMs` (a trickled or abandoned upload must not hold
 * a connection and a request slot for ever). On timeout 408 is thrown and the read is abandoned (the connection is then closed, app.ts).
 */
export function readBytes(request: Request, limit: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  // A declared non-zero length says there is a body: `request.body` is read only otherwise, as Bun wraps a
  // buffered body in a ReadableStream on first read (two more objects). A declared 0 is checked, since a
  // plugin's new Request may carry a body under headers copied from a bodiless one.
  if ((declared === 0 || !Number.isFinite(declared)) && !request.body) return Promise.resolve(new Uint8Array());
  // A declared length: the runtime's bytes() (no async wrapper: this runs on every JSON request); any
  // failure of that read is a client that left.
  if (Number.isFinite(declared)) return withinDeadline(request.bytes(), timeoutMs, true);
  return withinDeadline(readChunked(request, limit), timeoutMs, false);
}

/**
 * The body as text, under the same limits as readBytes. Strict UTF-8: a body with a malformed byte
 * sequence is a 400, never decoded with U+FFFD in place of the bytes (the prompt would be altered silently).
 * The runtime's text() replaces them and keeps no bytes to check, so the bytes are read and decoded here
 * (0.4–0.7 µs more than text() for a 113-byte body, 1.5–3 µs for 10 KB, in process; a reused fatal
 * TextDecoder was as cheap as Buffer.isUtf8 + a lenient decode, and text() + a U+FFFD gate cannot tell a
 * literal U+FFFD from a replaced byte).
 */
export function readText(request: Request, limit: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<string> {
  return readBytes(request, limit, timeoutMs).then(decodeUtf8);
}

/** UTF-8 bytes as text; a malformed sequence is a 400 invalid_json (every JSON body reader uses this). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw notUtf8();
  }
}

function notUtf8(): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: 'The request body is not valid UTF-8, so it is not valid JSON. Encode the JSON text as UTF-8 (not Latin-1 or another charset), and send binary data base64-encoded inside a string.' });
}

/**
 * One promise settled by whichever comes first, the read or the deadline (cheaper than a Promise.race
 * over a deadline promise: this runs on every request). After a timeout nobody awaits the read; the
 * closed connection then rejects it, and that rejection is dropped here. `readFailureIsClientGone`: any
 * failure of the read is a client that left (the runtime's bytes()); otherwise the read's own error stands.
 */
function withinDeadline<T>(read: Promise<T>, timeoutMs: number, readFailureIsClientGone: boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const race = new DeadlineRace(resolve, reject, timeoutMs, readFailureIsClientGone);
    read.then((value) => race.done(value), (err: unknown) => race.failed(err));
  });
}

/** The read's side and the deadline's side of withinDeadline (a class: the deadline calls it, no closure). */
class DeadlineRace<T> {
  #settled = false;
  readonly #timer: Deadline;

  constructor(
    private readonly resolve: (value: T) => void,
    private readonly reject: (err: unknown) => void,
    private readonly timeoutMs: number,
    private readonly readFailureIsClientGone: boolean,
  ) {
    this.#timer = deadlines.after(timeoutMs, this);
  }

  deadlineReached(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.reject(bodyTimeout(this.timeoutMs));
  }

  done(value: T): void {
    this.#timer.cancel();
    if (this.#settled) return;
    this.#settled = true;
    this.resolve(value);
  }

  failed(err: unknown): void {
    this.#timer.cancel();
    if (this.#settled) return;
    this.#settled = true;
    this.reject(this.readFailureIsClientGone ? new ClientGone() : err);
  }
}

/** A body without a declared length (chunked), stopped as soon as it passes `limit`. */
async function readChunked(request: Request, limit: number): Promise<Uint8Array> {
  const reader = request.body!.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(clientLeft);
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

function bodyTimeout(ms: number): GatewayError {
  return new GatewayError({ status: 408, type: 'invalid_request_error', code: 'request_timeout', message: `The request body did not arrive within ${ms} ms. Send the whole body promptly (the limit is server.body_timeout_ms in gateway.yaml).` });
}

/** The body stream failed: the client closed the connection mid-upload. */
function clientLeft(): never {
  throw new ClientGone();
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError({ status: 413, type: 'invalid_request_error', code: 'request_too_large', message: `The request body is larger than this gateway accepts (${limit} bytes). Send a smaller body, or raise server.max_body_bytes in gateway.yaml.` });
}

export async function readOperationBody(request: Request, operation: Operation, limit: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<ParsedBody> {
  const rawType = request.headers.get('content-type') ?? '';
  const contentType = rawType.toLowerCase(); // media types are case-insensitive; the original is forwarded
  const method = request.method;
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') return { body: {} };
  // Checked before reading, so a wrong content type does not cost a body read.
  if (operation !== 'passthrough' && !MULTIPART_OPS.has(operation)) {
    if (!contentType.includes('json')) throw unsupported(contentType, 'application/json');
    if (contentType.includes('charset')) assertUtf8Charset(contentType);
    return jsonBody(await readText(request, limit, timeoutMs));
  }
  const bytes = await readBytes(request, limit, timeoutMs);

  if (operation === 'passthrough') {
    // Whatever the declared type, a body that is JSON gets the JSON checks (steering fields, model).
    if (contentType.includes('json') || firstByteIs(bytes, 0x7b)) return passthroughJson(bytes, rawType);
    if (contentType.includes('multipart/form-data')) {
      const form = await formFrom(bytes, rawType);
      for (const f of STEERING_FIELDS) form.delete(f);
      const model = form.get('model');
      return { body: {}, form, contentType: rawType, passthroughModel: typeof model === 'string' ? model : undefined };
    }
    return { body: {}, raw: bytes, contentType: rawType || undefined };
  }
  // The multipart operations (image edits and variations, audio transcriptions and translations).
  if (!contentType.includes('multipart/form-data')) throw unsupported(contentType, 'multipart/form-data');
  const form = await formFrom(bytes, rawType);
  for (const f of STEERING_FIELDS) form.delete(f);
  const model = form.get('model');
  return { body: typeof model === 'string' ? { model } : {}, form, contentType: rawType };
}

/** A JSON operation's body: an object, not nested too deep, without the steering fields. */
function jsonBody(text: string): ParsedBody {
  // Nesting deeper than MAX_JSON_DEPTH needs more characters than that: short bodies skip the scan.
  if (text.length > MAX_JSON_DEPTH && jsonTooDeep(text)) throw tooDeep();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw errors.invalidJson((err as Error).message.split('\n')[0].slice(0, 120));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw notAnObject(parsed);
  const body = parsed as JsonObject;
  for (const f of STEERING_FIELDS) if (f in body) delete body[f];
  return { body };
}

async function formFrom(bytes: Uint8Array, contentType: string): Promise<FormData> {
  try {
    return await new Response(bytes as unknown as BodyInit, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_multipart', message: 'The multipart body could not be parsed. Send multipart/form-data with a boundary, as the OpenAI SDKs do.' });
  }
}

/** Valid JSON, but not an object: the message says so instead of calling it invalid JSON. */
function notAnObject(parsed: unknown): GatewayError {
  const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed === 'string' ? 'a string' : typeof parsed === 'number' ? 'a number' : 'a boolean';
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `The request body must be a JSON object ({"model": ..., ...}); it is ${kind}. Send the request's fields as one JSON object.` });
}

function tooDeep(): GatewayError {
  return errors.invalidJson(`it is nested more than ${MAX_JSON_DEPTH} levels deep`);
}

/** A JSON body is UTF-8 (RFC 8259): a Content-Type that declares another charset is a 415, not decoded as UTF-8 regardless. */
function assertUtf8Charset(contentType: string): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/.exec(contentType)?.[1];
  // US-ASCII is a subset of UTF-8 (the strict decode refuses any byte outside it that is not UTF-8).
  if (charset === undefined || /^(?:utf-?8|us-ascii|ascii)$/i.test(charset)) return;
  const named = /^[\w.:-]{1,40}$/.test(charset) ? `charset=${charset}` : 'a charset other than utf-8';
  throw new GatewayError({
    status: 415, type: 'invalid_request_error', code: 'unsupported_content_type',
    message: `Content-Type declares ${named}, but JSON bodies must be UTF-8. Encode the body as UTF-8 and send "Content-Type: application/json" (or "; charset=utf-8").`,
  });
}

function unsupported(got: string, want: string): GatewayError {
  return new GatewayError({
    status: 415, type: 'invalid_request_error', code: 'unsupported_content_type',
    message: `Content-Type ${got ? `"${got.split(';')[0]}"` : 'is missing; it'} must be ${want} for this endpoint.`,
  });
}

/**
 * A passthrough JSON body goes upstream as sent, except that fields choosing another host or key are
 * removed (then it is re-serialised). Its `model`, if any, is surfaced for the key's model allowlist.
 */
function passthroughJson(bytes: Uint8Array, contentType: string): ParsedBody {
  const declaredJson = contentType.toLowerCase().includes('json');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    // Declared JSON that is not UTF-8 is refused as on every JSON endpoint; an undeclared body goes as sent.
    if (declaredJson) throw notUtf8();
    return { body: {}, raw: bytes, contentType: contentType || undefined };
  }
  if (jsonTooDeep(text)) throw tooDeep();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Forwarding JSON we cannot read would skip the checks above: refuse it instead.
    if (declaredJson) throw errors.invalidJson((err as Error).message.split('\n')[0].slice(0, 120));
    return { body: {}, raw: bytes, contentType: contentType || undefined };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { body: {}, raw: bytes, contentType };
  const body = parsed as JsonObject;
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (!STEERING_FIELDS.some((f) => f in body)) return { body: {}, raw: bytes, contentType, passthroughModel: model };
  for (const f of STEERING_FIELDS) delete body[f];
  return { body: {}, raw: new TextEncoder().encode(JSON.stringify(body)), contentType, passthroughModel: model };
}

/** The first non-whitespace byte of a body. */
function firstByteIs(bytes: Uint8Array, byte: number): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === byte;
  }
  return false;
}
