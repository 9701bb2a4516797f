// A strict fake of Amazon Bedrock Runtime Converse / ConverseStream (bedrock-runtime 2023-09-30 service
// model). It verifies every request's SigV4 signature by re-signing it with @smithy/signature-v4 set up
// independently (its own SHA-256 on Bun.CryptoHasher and its own copy of the credentials), rejects
// unknown or missing fields (ContentBlock is a union: exactly one member), non-alternating roles and
// toolResults without a matching toolUse, and answers JSON or binary AWS event-stream messages
// (encoded with @smithy/core's EventStreamCodec, padded with the `p` field real Bedrock adds).
// Errors are `{message}` with the exception name in x-amzn-ErrorType.

import { EventStreamCodec } from '@smithy/core/event-streams';
import { SignatureV4 } from '@smithy/signature-v4';
import { type Spec, any, arr, check, num, obj, str } from './spec.ts';
import { type Incoming, type StrictFake, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

class BunSha256 {
  private hasher: Bun.CryptoHasher;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hasher = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hasher.update(typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hasher.digest());
  }
  reset(): void {
    this.hasher = this.fresh();
  }
  private fresh(): Bun.CryptoHasher {
    if (this.secret === undefined) return new Bun.CryptoHasher('sha256');
    const key = typeof this.secret === 'string' ? this.secret : new Uint8Array(this.secret instanceof ArrayBuffer ? this.secret : this.secret.buffer.slice(this.secret.byteOffset, this.secret.byteOffset + this.secret.byteLength));
    return new Bun.CryptoHasher('sha256', key);
  }
}

/** Recomputes the request's SigV4 signature and lists every mismatch. */
export async function sigv4Problems(i: Incoming, creds: AwsCredentials): Promise<string[]> {
  const auth = i.headers.get('authorization') ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return ['403 missing or malformed SigV4 authorization header (UnrecognizedClientException)'];
  const [, keyId, , region, service, signedHeaders] = m;
  const problems: string[] = [];
  if (keyId !== creds.accessKeyId) problems.push('403 UnrecognizedClientException: unknown access key id');
  if (region !== creds.region) problems.push(`403 credential scope region ${region} != ${creds.region}`);
  if (service !== 'bedrock') problems.push(`403 credential scope service ${service} != bedrock`);
  if (creds.sessionToken && i.headers.get('x-amz-security-token') !== creds.sessionToken) problems.push('403 missing session token');
  const amzDate = i.headers.get('x-amz-date') ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date) return [...problems, '403 x-amz-date missing'];
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) problems.push('403 signature expired (x-amz-date is more than 5 minutes off)');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = i.headers.get(name) ?? '';
  const signer = new SignatureV4({ service: 'bedrock', region: creds.region, sha256: BunSha256, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } });
  const query: Record<string, string> = {};
  for (const [k, v] of i.url.searchParams) query[k] = v;
  const expected = await signer.sign(
    { method: i.method, protocol: i.url.protocol, hostname: i.url.hostname, port: Number(i.url.port), path: i.url.pathname, query, headers, body: i.raw },
    { signingDate },
  );
  if (expected.headers.authorization !== auth) problems.push('403 SignatureDoesNotMatch: the request signature we calculated does not match the signature you provided');
  return problems;
}

const block: Spec = obj({
  text: str({ pattern: /\S/ }),
  image: obj({ 'format!': str({ enum: ['png', 'jpeg', 'gif', 'webp'] }), 'source!': obj({ 'bytes!': str({ pattern: /^[A-Za-z0-9+/]+={0,2}$/ }) }) }),
  toolUse: obj({ 'toolUseId!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), 'name!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), 'input!': obj({}, { open: true }) }),
  toolResult: obj({ 'toolUseId!': str({ nonEmpty: true }), 'content!': arr(obj({ text: str(), json: any }), 1), status: str({ enum: ['success', 'error'] }) }),
  reasoningContent: any,
  document: any,
  cachePoint: any,
});

export const CONVERSE_REQUEST: Spec = obj({
  'messages!': arr(obj({ 'role!': str({ enum: ['user', 'assistant'] }), 'content!': arr(block, 1) }), 1),
  system: arr(obj({ text: str({ nonEmpty: true }), cachePoint: any }), 1),
  inferenceConfig: obj({ maxTokens: num({ int: true, min: 1 }), temperature: num({ min: 0, max: 1 }), topP: num({ min: 0, max: 1 }), stopSequences: arr(str({ nonEmpty: true })) }),
  toolConfig: obj({
    'tools!': arr(obj({ 'toolSpec!': obj({ 'name!': str({ pattern: /^[a-zA-Z0-9_-]{1,64}$/ }), description: str({ nonEmpty: true }), 'inputSchema!': obj({ 'json!': obj({}, { open: true }) }) }) }), 1),
    toolChoice: obj({ auto: obj({}), any: obj({}), tool: obj({ 'name!': str({ nonEmpty: true }) }) }),
  }),
  guardrailConfig: any,
  additionalModelRequestFields: obj({}, { open: true }),
  additionalModelResponseFieldPaths: arr(str()),
  performanceConfig: any,
  requestMetadata: any,
});

function conversationProblems(body: { messages?: Array<{ role: string; content: Array<Record<string, any>> }>; inferenceConfig?: { stopSequences?: unknown[] } }): string[] {
  const problems: string[] = [];
  const msgs = body.messages ?? [];
  if (msgs[0] && msgs[0].role !== 'user') problems.push('A conversation must start with a user message.');
  const ids = new Set<string>();
  msgs.forEach((m, i) => {
    if (i > 0 && msgs[i - 1].role === m.role) problems.push(`messages[${i}]: roles must alternate between user and assistant`);
    (m.content ?? []).forEach((b, j) => {
      const members = Object.keys(b).filter((k) => b[k] !== undefined);
      if (members.length !== 1) problems.push(`messages[${i}].content[${j}]: a ContentBlock must set exactly one member (got ${members.join(',') || 'none'})`);
      if (b.toolUse) ids.add(b.toolUse.toolUseId);
      if (b.toolResult && !ids.has(b.toolResult.toolUseId)) problems.push(`messages[${i}].content[${j}]: toolResult ${b.toolResult.toolUseId} answers no earlier toolUse`);
    });
  });
  if ((body.inferenceConfig?.stopSequences?.length ?? 0) > 4) problems.push('stopSequences: at most 4');
  return problems;
}

export interface BedrockAnswer {
  text?: string;
  toolCalls?: Array<{ id: string; name: string; input: Record<string, unknown> }>;
  stopReason?: string;
  inputTokens: number;
  outputTokens: number;
  cacheRead?: number;
  /** Stream only: an exception message after the first text delta. */
  exception?: { type: string; message: string };
}

export interface BedrockFake extends StrictFake {
  answer(...answers: BedrockAnswer[]): void;
}

const te = new TextEncoder();
const td = new TextDecoder();
export const codec = new EventStreamCodec((b) => td.decode(b), (s) => te.encode(s));

export function eventMessage(type: string, payload: object, kind: 'event' | 'exception' = 'event'): Uint8Array {
  const s = (value: string) => ({ type: 'string' as const, value });
  const headers: Record<string, { type: 'string'; value: string }> = { ':content-type': s('application/json'), ':message-type': s(kind) };
  headers[kind === 'event' ? ':event-type' : ':exception-type'] = s(type);
  return codec.encode({ headers, body: te.encode(JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ'.slice(0, 5 + (type.length % 20)) })) });
}

export function converseEvents(a: BedrockAnswer): Uint8Array[] {
  const out = [eventMessage('messageStart', { role: 'assistant' })];
  let index = 0;
  if (a.text) {
    const words = a.text.split(/(?<= )/);
    out.push(eventMessage('contentBlockDelta', { contentBlockIndex: index, delta: { text: words[0] } }));
    if (a.exception) return [...out, eventMessage(a.exception.type, { message: a.exception.message }, 'exception')];
    for (const w of words.slice(1)) out.push(eventMessage('contentBlockDelta', { contentBlockIndex: index, delta: { text: w } }));
    out.push(eventMessage('contentBlockStop', { contentBlockIndex: index++ }));
  }
  for (const call of a.toolCalls ?? []) {
    out.push(eventMessage('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: call.id, name: call.name } } }));
    const json = JSON.stringify(call.input);
    const mid = Math.floor(json.length / 2);
    out.push(eventMessage('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: json.slice(0, mid) } } }));
    out.push(eventMessage('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: json.slice(mid) } } }));
    out.push(eventMessage('contentBlockStop', { contentBlockIndex: index++ }));
  }
  out.push(eventMessage('messageStop', { stopReason: a.stopReason ?? (a.toolCalls?.length ? 'tool_use' : 'end_turn') }));
  out.push(eventMessage('metadata', { usage: usageOf(a), metrics: { latencyMs: 120 } }));
  return out;
}

function usageOf(a: BedrockAnswer) {
  const cache = a.cacheRead ? { cacheReadInputTokens: a.cacheRead, cacheWriteInputTokens: 0 } : {};
  return { inputTokens: a.inputTokens, outputTokens: a.outputTokens, totalTokens: a.inputTokens + a.outputTokens + (a.cacheRead ?? 0), ...cache };
}

export function eventStreamResponse(pieces: Uint8Array[]): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= pieces.length) return controller.close();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(pieces[i++]);
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() } });
}

export function startBedrockFake(opts: { clientKey: string; credentials: AwsCredentials; models: string[] }): BedrockFake {
  const answers: BedrockAnswer[] = [];
  const error = (status: number, message: string) => {
    const type = status === 403 ? 'UnrecognizedClientException' : status === 404 ? 'ResourceNotFoundException' : status === 429 ? 'ThrottlingException' : 'ValidationException';
    return new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` } });
  };
  const fake = startStrictFake({
    name: 'Bedrock',
    isStream: (i) => i.url.pathname.endsWith('/converse-stream'),
    errorResponse: error,
    async validate(i) {
      const problems = [...noClientCredentials(i, opts.clientKey), ...jsonContentType(i), ...(await sigv4Problems(i, opts.credentials))];
      const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(i.url.pathname);
      if (!m) return [...problems, `404 unknown path ${i.url.pathname}`];
      const model = decodeURIComponent(m[1]);
      if (!opts.models.includes(model)) problems.push(`404 The provided model identifier is invalid: ${model}`);
      if (i.method !== 'POST') problems.push('Converse takes POST');
      problems.push(...check(i.body, CONVERSE_REQUEST), ...conversationProblems(i.body as never));
      return problems;
    },
    defaultTurn: {
      respond(i) {
        const a = answers.shift() ?? { text: 'Hello from Bedrock.', inputTokens: 12, outputTokens: 5 };
        if (i.stream) return eventStreamResponse(converseEvents(a));
        const content: object[] = [];
        if (a.text) content.push({ text: a.text });
        for (const call of a.toolCalls ?? []) content.push({ toolUse: { toolUseId: call.id, name: call.name, input: call.input } });
        return Response.json({
          output: { message: { role: 'assistant', content } },
          stopReason: a.stopReason ?? (a.toolCalls?.length ? 'tool_use' : 'end_turn'),
          usage: usageOf(a),
          metrics: { latencyMs: 321 },
        });
      },
    },
  });
  return Object.assign(fake, { answer: (...a: BedrockAnswer[]) => void answers.push(...a) });
}
