// onebound request → the Switchyard request it stands for (pure; used by the onebound-inbound plugin).
//
//   method            HTTP call built below <origin><route>
//   v1/models[/id]    GET  /v1/models[/id]
//   v1/chat/completions, v1/completions, v1/embeddings, v1/moderations, v1/images/generations,
//   v1/audio/speech   POST JSON _o_args
//   v1/images/edits, v1/images/variations, v1/audio/transcriptions, v1/audio/translations
//                     POST multipart built from _o_args: a `data:<mime>;base64,...` string becomes a file
//                     part (image, mask, file), other values become text fields (objects as JSON)
//   v1/files, v1/fine_tuning/jobs, v1/batches
//                     POST when _o_args carries the creating field (file / training_file / input_file;
//                     files as multipart), else GET with scalar _o_args as the query string
//   v1/files/{id}..., v1/fine_tuning/jobs/{id}, v1/batches/{id}
//                     GET (POST for .../cancel)
//   images/submit     POST /v1/images/jobs with _o_args (the images/generations body)
//   images/get        GET  /v1/images/jobs/{imgid}; _o_args.imgid (or imgid=) missing → 4014
// Authorization is `Bearer <secret>` (the secret is the Switchyard key); the client's other headers are
// not forwarded. `x-switchyard-cache: yes|no` is set when the request (or the plugin's default) says so.

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';
import { OneboundError } from './codes.ts';
import { IMAGES_GET_PATH, IMAGES_SUBMIT_PATH, RESULT_TYPES, type OneboundRequest, type ResultType } from './envelope.ts';

export type OneboundOp = 'submit' | 'get' | 'call';

const MULTIPART = new Set(['/v1/images/edits', '/v1/images/variations', '/v1/audio/transcriptions', '/v1/audio/translations']);
const CREATE_FIELD: Record<string, string> = { '/v1/files': 'file', '/v1/fine_tuning/jobs': 'training_file', '/v1/batches': 'input_file' };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A control field (cache, result_type, ...) as the client sent it: body (form or JSON envelope) first, then query. */
export function peekField(url: URL, body: { contentType?: string | null; text: string }, name: string): string | undefined {
  const text = body.text.trim();
  if (text) {
    const ct = (body.contentType ?? '').toLowerCase();
    if (ct.includes('json') || text.startsWith('{')) {
      try {
        const v: unknown = JSON.parse(text);
        if (isObject(v) && '_o_args' in v && (typeof v[name] === 'string' || typeof v[name] === 'number')) return String(v[name]);
      } catch {
        // not JSON: the parser reports it
      }
    } else if (!ct.includes('multipart')) {
      const form = new URLSearchParams(text);
      if (form.has(name)) return form.get(name) ?? undefined;
    }
  }
  return url.searchParams.get(name) ?? undefined;
}

/** result_type for rendering an error before (or while) the request parses: json unless a valid one was sent. */
export function resultTypeHint(url: URL, body: { contentType?: string | null; text: string }): ResultType {
  const rt = (peekField(url, body, 'result_type') ?? '').trim().toLowerCase();
  return (RESULT_TYPES as readonly string[]).includes(rt) ? (rt as ResultType) : 'json';
}

/** cache=yes|no when the client sent it explicitly (parseOneboundRequest folds "absent" into yes). */
export function explicitCache(url: URL, body: { contentType?: string | null; text: string }): 'yes' | 'no' | undefined {
  const v = (peekField(url, body, 'cache') ?? '').trim().toLowerCase();
  return v === 'yes' || v === 'no' ? v : undefined;
}

function dataUrlBlob(value: string): Blob | undefined {
  const m = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?;base64,(.*)$/s.exec(value);
  if (!m) return undefined;
  try {
    const bytes = Uint8Array.from(atob(m[3]), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: m[1] ?? 'application/octet-stream' });
  } catch {
    throw new OneboundError('4003', 'A data: URL in _o_args is not valid base64.');
  }
}

export function formFromArgs(args: JsonObject): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(args)) {
    if (v === null || v === undefined) continue;
    const blob = typeof v === 'string' ? dataUrlBlob(v) : undefined;
    if (blob) form.append(k, blob, `${k}.${(blob.type.split('/')[1] ?? 'bin').replace(/[^\w]/g, '') || 'bin'}`);
    else form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return form;
}

function queryOf(args: JsonObject): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function imgidOf(ob: OneboundRequest, url: URL): string {
  const raw: JsonValue | undefined = ob.args.imgid ?? url.searchParams.get('imgid') ?? undefined;
  const id = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!id) throw new OneboundError('4014', 'Missing param "imgid": images/get needs _o_args={"imgid":"<id from images/submit>"}.');
  return id;
}

export interface Rewritten {
  op: OneboundOp;
  request: Request;
  imgid?: string;
}

/**
 * Builds the Switchyard request. `path` is methodToPath(ob.method); `base` is `<origin><route prefix>`.
 */
export function buildRewrite(ob: OneboundRequest, path: string, base: string, url: URL, cache: 'yes' | 'no' | undefined, signal?: AbortSignal): Rewritten {
  if (!ob.secret) throw new OneboundError('4014', 'Missing url param "secret": put your Switchyard API key in secret= (and its name in key=).');
  const headers = new Headers({ authorization: `Bearer ${ob.secret}`, accept: 'application/json' });
  if (cache) headers.set('x-switchyard-cache', cache);
  const make = (target: string, method: string, body?: BodyInit): Request => {
    if (typeof body === 'string') headers.set('content-type', 'application/json');
    return new Request(`${base}${target}`, { method, headers, body, signal });
  };

  if (path === IMAGES_SUBMIT_PATH) return { op: 'submit', request: make('/v1/images/jobs', 'POST', JSON.stringify(ob.args)) };
  if (path === IMAGES_GET_PATH) {
    const imgid = imgidOf(ob, url);
    return { op: 'get', imgid, request: make(`/v1/images/jobs/${encodeURIComponent(imgid)}`, 'GET') };
  }
  if (path === '/v1/models' || path.startsWith('/v1/models/')) return { op: 'call', request: make(path, 'GET') };
  if (MULTIPART.has(path)) return { op: 'call', request: make(path, 'POST', formFromArgs(ob.args)) };
  const createField = CREATE_FIELD[path];
  if (createField !== undefined) {
    if (!(createField in ob.args)) return { op: 'call', request: make(path + queryOf(ob.args), 'GET') };
    return { op: 'call', request: path === '/v1/files' ? make(path, 'POST', formFromArgs(ob.args)) : make(path, 'POST', JSON.stringify(ob.args)) };
  }
  if (Object.keys(CREATE_FIELD).some((p) => path.startsWith(p + '/'))) {
    return { op: 'call', request: path.endsWith('/cancel') ? make(path, 'POST', JSON.stringify(ob.args)) : make(path + queryOf(ob.args), 'GET') };
  }
  return { op: 'call', request: make(path, 'POST', JSON.stringify(ob.args)) };
}
