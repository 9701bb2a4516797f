// Fuzz for the non-SSE stream framings: Ollama NDJSON (LF and CRLF line endings) and Bedrock's binary
// AWS event-stream, each served re-chunked at random byte offsets (plus byte-by-byte over the first 120
// bytes for seed 1, and cuts inside multibyte UTF-8: the answers are dense in Chinese and emoji), every
// piece a separate socket write. The client-visible stream must be identical for every seed. A corrupt
// event-stream message (bad CRC) must end the stream with an error, never with garbage or [DONE].

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { type BedrockAnswer, converseEvents } from './fakes/bedrock.ts';
import { type OllamaAnswer, chatLines } from './fakes/ollama.ts';
import { cutPoints, splitAt } from './fakes/sse.ts';

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 20);
const UNICODE = '你好，世界！🌍🚀 天气很好，温度 18°C 😀👍🏽 — 完成 ✅ ';
const encoder = new TextEncoder();

const OLLAMA: Record<string, OllamaAnswer> = {
  text: { text: `${UNICODE}and more words here.`, thinking: '先想一想 🤔', promptTokens: 31, completionTokens: 17 },
  tools: { text: 'Checking 北京 ', toolCalls: [{ name: 'get_weather', arguments: { city: '北京', note: '🏙️' } }], promptTokens: 40, completionTokens: 12 },
};
const BEDROCK: Record<string, BedrockAnswer> = {
  text: { text: `${UNICODE}and more words here.`, inputTokens: 31, outputTokens: 17, cacheRead: 3 },
  tools: { text: 'Checking 北京 ', toolCalls: [{ id: 'tooluse_1', name: 'get_weather', input: { city: '北京', note: '🏙️' } }], inputTokens: 40, outputTokens: 12 },
  exception: { text: `${UNICODE}cut`, inputTokens: 1, outputTokens: 1, exception: { type: 'modelStreamErrorException', message: 'The model failed mid-stream 模型' } },
};

function bodyBytes(kind: string, name: string, ending: string): Uint8Array {
  if (kind === 'ollama') {
    const text = chatLines('llama3.2', OLLAMA[name]).map((l) => `${l}\n`).join('');
    return encoder.encode(ending === 'crlf' ? text.replace(/\n/g, '\r\n') : text);
  }
  const messages = converseEvents(BEDROCK[name]);
  if (ending === 'corrupt') messages[2] = messages[2].map((b, i) => (i === messages[2].length - 1 ? b ^ 1 : b));
  const out = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of messages) {
    out.set(m, at);
    at += m.length;
  }
  return out;
}

function piecesResponse(pieces: Uint8Array[], contentType: string): Response {
  let i = 0;
  return new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= pieces.length) return controller.close();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(pieces[i++]);
    },
  }), { headers: { 'content-type': contentType } });
}

let up: FakeUpstream;
let gw: TestGateway;
const served = { streams: 0, pieces: 0 };

beforeAll(async () => {
  up = startFakeUpstream((_req, body) => {
    const m = /FUZZ (ollama|bedrock) (\w+) (\d+) (lf|crlf|binary|corrupt)/.exec(body);
    if (!m) return new Response('no fuzz marker', { status: 400 });
    const [, kind, name, seedText, ending] = m;
    const bytes = bodyBytes(kind, name, ending);
    const seed = Number(seedText);
    const pieces = seed === 0 ? [bytes] : splitAt(bytes, cutPoints(bytes, seed));
    served.streams += 1;
    served.pieces += pieces.length;
    return piecesResponse(pieces, kind === 'ollama' ? 'application/x-ndjson' : 'application/vnd.amazon.eventstream');
  });
  gw = await startTestGateway(config(`
providers:
  fz-ollama: { adapter: ollama, base_url: ${up.url}, models: [fz-ollama] }
  fz-bedrock: { adapter: bedrock, base_url: ${up.url}, region: us-east-1, access_key_id: AKIAFUZZ, secret_access_key: fuzz-secret-0123456789, models: [fz-bedrock] }
routing:
  retry: { attempts: 0 }
`));
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

async function clientView(kind: string, name: string, seed: number, ending: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: `fz-${kind}`, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `FUZZ ${kind} ${name} ${seed} ${ending}` }] }),
  });
  const frames = (await res.text()).split('\n\n').filter((f) => f.trim()).map((frame) => {
    const data = frame.replace(/^data: /, '');
    if (data === '[DONE]') return data;
    const parsed = JSON.parse(data) as Record<string, unknown>;
    delete parsed.created;
    delete parsed.id; // generated per request by these adapters
    return parsed;
  });
  // Ollama sends no tool call ids, so the adapter generates one per request.
  return JSON.stringify({ status: res.status, frames }).replace(/call_[0-9a-f]{24}_/g, 'call_<generated>_');
}

const CASES = [
  ...Object.keys(OLLAMA).flatMap((name) => ['lf', 'crlf'].map((ending) => ['ollama', name, ending] as const)),
  ...Object.keys(BEDROCK).map((name) => ['bedrock', name, 'binary'] as const),
];

test(`NDJSON and event-stream answers read the same for ${SEEDS} re-chunkings`, async () => {
  const mismatches: string[] = [];
  for (const [kind, name, ending] of CASES) {
    const baseline = await clientView(kind, name, 0, ending);
    const views = await Promise.all(Array.from({ length: SEEDS }, (_, i) => clientView(kind, name, i + 1, ending)));
    views.forEach((view, i) => {
      if (view !== baseline) mismatches.push(`${kind}/${name}/${ending} seed=${i + 1}\n  expected ${baseline}\n  received ${view}`);
    });
  }
  expect(mismatches).toEqual([]);
  expect(served.streams).toBe(CASES.length * (SEEDS + 1));
  expect(served.pieces / served.streams).toBeGreaterThan(10);
}, 30_000);

test('the baselines are real answers: text, reasoning, tool calls, usage, and an error where the upstream failed', async () => {
  const view = async (kind: string, name: string, ending: string) => JSON.parse(await clientView(kind, name, 0, ending)) as { frames: Array<Record<string, any> | string> };
  const text = (v: { frames: Array<Record<string, any> | string> }, field = 'content') =>
    v.frames.map((f) => (typeof f === 'string' ? '' : (f.choices ?? []).map((c: any) => c.delta?.[field] ?? '').join(''))).join('');
  for (const kind of ['ollama', 'bedrock']) {
    const v = await view(kind, 'text', kind === 'ollama' ? 'lf' : 'binary');
    expect(text(v)).toBe(`${UNICODE}and more words here.`);
    expect(v.frames.at(-1)).toBe('[DONE]');
    expect((v.frames.at(-2) as any).usage.completion_tokens).toBe(17);
    const tools = await view(kind, 'tools', kind === 'ollama' ? 'lf' : 'binary');
    const args = tools.frames.flatMap((f) => (typeof f === 'string' ? [] : (f.choices ?? []).flatMap((c: any) => (c.delta?.tool_calls ?? []).map((t: any) => t.function?.arguments ?? '')))).join('');
    expect(JSON.parse(args)).toEqual({ city: '北京', note: '🏙️' });
  }
  expect(text(await view('ollama', 'text', 'lf'), 'reasoning_content')).toBe('先想一想 🤔');
  const failed = await view('bedrock', 'exception', 'binary');
  expect(JSON.stringify(failed.frames.at(-1))).toContain('The model failed mid-stream');
  expect(failed.frames).not.toContain('[DONE]');
});

test('a corrupt event-stream message (bad CRC) ends the stream with an error, not garbage', async () => {
  const v = JSON.parse(await clientView('bedrock', 'text', 0, 'corrupt')) as { frames: Array<Record<string, any> | string> };
  expect(v.frames).not.toContain('[DONE]');
  expect((v.frames.at(-1) as any).error.code).toBe('upstream_invalid_response');
});
