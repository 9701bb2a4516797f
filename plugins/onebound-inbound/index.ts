// onebound-inbound: clients written for onebound's custom OpenAI API (seed 001) point at
// `<gateway>/openai/custom` unchanged.
//
//   routes: [{ path: /openai/custom, plugins: [onebound-inbound] }]
//
// onRequest parses key/secret/method/_o_args/cache/result_type (GET query, POST form or JSON; see
// envelope.ts) and rewrites the call into the Switchyard request it stands for (see rewrite.ts), with
// `Authorization: Bearer <secret>`: the secret IS the Switchyard key and `key` is that key's name. A
// request that cannot be parsed is answered at once in onebound's envelope (4014 missing parameter,
// 4003 bad parameter, 4010 unknown method).
// After authentication the key name must equal `key`, else 4005: checked in onCanonicalRequest (before
// anything runs or is billed) and again in onResponse (models list, image job reads).
// onResponse wraps the OpenAI body as {response, error: '', reason: '', error_code: '0000', request_id}
// and onError as {response: <OpenAI error body>, error: <onebound status text>, reason: <message>,
// error_code: <code>, request_id}, rendered per result_type (json = ASCII-escaped, jsonu, xml;
// serialize/var_export fall back to json).
// HTTP status: always 200, as onebound does (clients read error_code, and many PHP-style clients treat a
// non-2xx as a transport failure); the gateway's own status is in the `x-switchyard-status` header and
// Retry-After / x-ratelimit-* headers are kept.
// Streams: `_o_args.stream: true` passes the SSE stream through untouched (onebound itself cannot
// stream, so there is no enveloped stream format to imitate); errors before the first byte are enveloped.
// images/submit → POST /v1/images/jobs, images/get → GET /v1/images/jobs/{imgid}: response is
// {imgid, status, ...} while pending, {imgid, status: 'succeeded', created, data} when done, and a
// failed job is an error envelope with the job's error mapped to a code.
// Cache: an explicit cache=yes|no is honoured (x-switchyard-cache). Absent, option `default_cache`
// decides: 'inherit' (default) leaves it to the gateway's cache config; 'yes' reproduces onebound's
// documented default. We do not default to yes: the gateway's cache is opt-in and a cached answer to a
// chat prompt is not what most LLM callers expect.
// `lang` is accepted and ignored (answers come from the model as is).
// last_id: onebound's examples carry one (a numeric string unrelated to the call; the seed does not say
// what it is). Every envelope here carries the gateway's id for the call (= request_id, the ledger row's
// id), so clients that read the field find it; there is no sequential number to imitate.
// Hints in error messages name onebound methods (`method=v1/models`), never the route's OpenAI paths (hints.ts).
// Option `default_image_model`: the model for images/submit and v1/images/generations calls whose _o_args
// name none (the seed's own MJ example sends only a prompt).

import {
  GatewayError,
  definePlugin,
  type CanonicalRequestView,
  type ErrorView,
  type JsonObject,
  type JsonValue,
  type PluginContext,
  type ResponseView,
} from '../../src/contracts/index.ts';
import { type OneboundCode, gatewayErrorToOnebound, isOneboundError } from './codes.ts';
import { IMAGES_SUBMIT_PATH, type OneboundEnvelope, type ResultType, methodToPath, parseOneboundRequest, render, wrapError, wrapSuccess } from './envelope.ts';
import { oneboundHints } from './hints.ts';
import { type OneboundOp, buildRewrite, explicitCache, resultTypeHint } from './rewrite.ts';

interface OneboundState {
  resultType: ResultType;
  key: string;
  op: OneboundOp;
  imgid?: string;
}

const STATE = 'onebound';

export const optionsSchema: JsonObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    default_cache: {
      enum: ['inherit', 'yes', 'no'],
      default: 'inherit',
      description: 'Cache choice when a request sends no cache= parameter: inherit (the gateway config decides), yes (onebound\'s documented default) or no.',
    },
    default_image_model: {
      type: 'string',
      minLength: 1,
      description: 'Model for images/submit and v1/images/generations calls whose _o_args name no model (onebound\'s MJ example: method=images/submit&_o_args={"prompt":"向日葵"}). A public model name of this gateway. Absent: such a call is a 4003 asking for a model.',
    },
  },
};

/** The paths whose body takes default_image_model when _o_args names no model. */
const IMAGE_PATHS = new Set([IMAGES_SUBMIT_PATH, '/v1/images/generations']);

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An envelope as the final view: HTTP 200, rendered text in rawBody, the envelope object in body. */
export function envelopeView(env: OneboundEnvelope, resultType: ResultType, status: number, headers: Record<string, string>): ResponseView {
  const out = render(env, resultType);
  return {
    status: 200,
    headers: { ...headers, 'content-type': out.contentType, 'x-switchyard-status': String(status) },
    body: env as unknown as JsonValue,
    rawBody: out.body,
  };
}

function mismatch(key: string): string {
  return `key "${key.slice(0, 60)}" does not match the key given in secret=. Send your Switchyard key in secret= and its name in key=.`;
}

/** The `response` of an images/submit or images/get envelope, or the error envelope of a failed job. */
export function jobEnvelope(op: 'submit' | 'get', body: JsonValue, requestId: string): OneboundEnvelope {
  const job = isObject(body) ? body : {};
  const imgid = typeof job.id === 'string' ? job.id : '';
  if (op === 'submit') return wrapSuccess({ imgid, ...job }, requestId);
  if (job.status === 'succeeded') return wrapSuccess({ imgid, status: 'succeeded', ...(isObject(job.result) ? job.result : {}) }, requestId);
  if (job.status === 'failed' || job.status === 'cancelled') {
    const err = isObject(job.error) ? job.error : {};
    const code = gatewayErrorToOnebound(typeof err.status === 'number' ? err.status : 500, typeof err.code === 'string' ? err.code : '');
    return wrapError(code, typeof err.message === 'string' ? err.message : 'the image job failed', requestId, { response: { imgid, status: job.status, error: err } });
  }
  return wrapSuccess({ imgid, status: typeof job.status === 'string' ? job.status : 'queued' }, requestId);
}

export default definePlugin({
  name: 'onebound-inbound',
  optionsSchema,
  // onebound clients send their key in ?secret= (and its name in ?key=): this plugin turns them into
  // `Authorization: Bearer <secret>`, so it must see them.
  readsCredentials: true,

  async onRequest(request: Request, ctx: PluginContext): Promise<Request | Response> {
    const url = new URL(request.url);
    const body = { contentType: request.headers.get('content-type'), text: request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text() };
    try {
      const ob = parseOneboundRequest(url, body);
      const path = methodToPath(ob.method);
      const imageModel = ctx.options.default_image_model;
      if (typeof imageModel === 'string' && imageModel && IMAGE_PATHS.has(path) && (ob.args.model === undefined || ob.args.model === '')) ob.args = { ...ob.args, model: imageModel };
      const fallback = ctx.options.default_cache === 'yes' || ctx.options.default_cache === 'no' ? ctx.options.default_cache : undefined;
      const rewritten = buildRewrite(ob, path, url.origin + ctx.route, url, explicitCache(url, body) ?? fallback, request.signal);
      ctx.state.set(STATE, { resultType: ob.resultType, key: ob.key, op: rewritten.op, imgid: rewritten.imgid } satisfies OneboundState);
      return rewritten.request;
    } catch (err) {
      if (!isOneboundError(err)) throw err;
      const view = envelopeView(wrapError(err.code, err.message, ctx.requestId), resultTypeHint(url, body), err.code === '4005' ? 401 : 400, {});
      return new Response(view.rawBody, { status: view.status, headers: view.headers });
    }
  },

  onCanonicalRequest(request: CanonicalRequestView, ctx: PluginContext): CanonicalRequestView {
    const st = ctx.state.get(STATE) as OneboundState | undefined;
    if (st && ctx.keyName !== undefined && ctx.keyName !== st.key) {
      throw new GatewayError({ status: 401, type: 'authentication_error', code: 'key_name_mismatch', message: mismatch(st.key) });
    }
    return request;
  },

  onResponse(response: ResponseView, ctx: PluginContext): ResponseView | undefined {
    const st = ctx.state.get(STATE) as OneboundState | undefined;
    if (!st) return undefined;
    if (ctx.keyName !== undefined && ctx.keyName !== st.key) {
      return envelopeView(wrapError('4005', mismatch(st.key), ctx.requestId), st.resultType, 401, response.headers);
    }
    const env = st.op === 'call' ? wrapSuccess(response.body, ctx.requestId) : jobEnvelope(st.op, response.body, ctx.requestId);
    return envelopeView(env, st.resultType, response.status, response.headers);
  },

  onError(error: ErrorView, ctx: PluginContext): ErrorView {
    const st = ctx.state.get(STATE) as OneboundState | undefined;
    const inner = isObject(error.body) && isObject(error.body.error) ? error.body.error : {};
    const errorCode = typeof inner.code === 'string' ? inner.code : '';
    const code: OneboundCode = gatewayErrorToOnebound(error.status, errorCode);
    // The gateway's hints name the route's OpenAI paths; an onebound client reaches them by method=.
    const message = typeof inner.message === 'string' ? oneboundHints(inner.message, ctx.route, errorCode) : `HTTP ${error.status}`;
    const response = typeof inner.message === 'string' && message !== inner.message && isObject(error.body) ? { ...error.body, error: { ...inner, message } } : error.body;
    return envelopeView(wrapError(code, message, ctx.requestId, { response }), st?.resultType ?? 'json', error.status, error.headers);
  },
});
