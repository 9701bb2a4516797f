// Fuzz: every recorded stream fixture (test/fixtures/<adapter>/*.sse: anthropic, gemini, azure, coze,
// cohere, and the OpenAI-format recordings in openai/) is served by a fake upstream re-chunked at random byte offsets —
// inside `data:`, inside JSON, between `\r` and `\n` (each fixture also in LF and CRLF variants), inside
// multibyte UTF-8 (the stream-unicode fixtures are dense in Chinese and emoji) — with every piece a
// separate socket write. The client-visible stream (every chunk but its `created` stamp: content, tool
// calls, finish_reason, usage, errors, [DONE]) must be identical for every seed and every line ending
// (as recorded — Gemini's own streams use CRLF —, all LF, all CRLF).
// The same holds on the Responses surface (/v1/responses): every fixture above through the Responses
// encoder, plus OpenAI Responses recordings (openai-responses/) through the native Responses decoder.
// Seeds come from a seeded PRNG; a mismatch names fixture, variant and seed (FUZZ_SEEDS=n for more).

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { cutPoints, splitAt, sseResponse, toCrlf } from './fakes/sse.ts';
import { fixtureText } from './fakes/strict-server.ts';

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 20);
const CONCURRENCY = 8;

/** Which gateway model (and so which adapter) decodes the fixtures of each directory. */
const MODEL_BY_DIR: Record<string, string> = { anthropic: 'fz-anthropic', gemini: 'fz-gemini', azure: 'fz-azure', openai: 'fz-openai', coze: 'fz-coze', cohere: 'fz-cohere' };

/** Directories whose recordings only the Responses surface can serve (native Responses upstreams). */
const RESPONSES_ONLY: Record<string, string> = { 'openai-responses': 'fz-responses' };

const fixturesOf = (dirs: string[]) => dirs.flatMap((dir) =>
  readdirSync(new URL(`../fixtures/${dir}/`, import.meta.url)).filter((f) => f.endsWith('.sse')).sort().map((f) => `${dir}/${f}`),
);
const FIXTURES = fixturesOf(Object.keys(MODEL_BY_DIR));
const RESPONSES_FIXTURES = [...FIXTURES, ...fixturesOf(Object.keys(RESPONSES_ONLY))];
const modelOf = (fixture: string) => { const dir = fixture.split('/')[0]; return MODEL_BY_DIR[dir] ?? RESPONSES_ONLY[dir]; };

const encoder = new TextEncoder();
let up: FakeUpstream;
let gw: TestGateway;
const served = { streams: 0, pieces: 0 };

beforeAll(async () => {
  // The fixture, seed and line ending to serve are named in the user message, which every adapter
  // copies verbatim into its upstream body, so requests can run concurrently.
  up = startFakeUpstream((_req, body) => {
    const m = /FUZZ ([\w/.-]+) (\d+) (raw|lf|crlf)/.exec(body);
    if (!m) return new Response('no fuzz marker', { status: 400 });
    const [, fixture, seedText, ending] = m;
    const raw = fixtureText(fixture);
    const text = ending === 'crlf' ? toCrlf(raw) : ending === 'lf' ? raw.replace(/\r\n/g, '\n') : raw;
    const bytes = encoder.encode(text);
    const seed = Number(seedText);
    served.pieces += seed === 0 ? 1 : cutPoints(bytes, seed).length + 1;
    served.streams += 1;
    return sseResponse(seed === 0 ? [bytes] : splitAt(bytes, cutPoints(bytes, seed)));
  });
  gw = await startTestGateway(config(`
providers:
  fz-openai: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-fuzz-openai-0123456789, models: [fz-openai] }
  fz-anthropic: { adapter: anthropic, base_url: ${up.url}, api_key: sk-ant-fuzz-0123456789, models: [fz-anthropic] }
  fz-gemini: { adapter: gemini, base_url: ${up.url}, api_key: AIzaFUZZ-0123456789abcdef, models: [fz-gemini] }
  fz-azure: { adapter: azure, base_url: ${up.url}, api_key: azure-fuzz-0123456789, api_version: "2024-10-21", models: [fz-azure] }
  fz-coze: { adapter: coze, base_url: ${up.url}, api_key: pat_fuzz-0123456789, models: [fz-coze] }
  fz-cohere: { adapter: cohere, base_url: ${up.url}, api_key: co-fuzz-0123456789, models: [fz-cohere] }
  fz-responses: { adapter: openai, base_url: ${up.url}/v1, api_key: sk-fuzz-openai-0123456789, responses_api: true, models: [fz-responses] }
routing:
  retry: { attempts: 0 }
`));
});
afterAll(async () => {
  await gw.stop();
  up.stop();
});

/** The client's view of one streamed request: status and every frame, minus per-request noise. */
type Ending = 'raw' | 'lf' | 'crlf';

async function clientView(fixture: string, seed: number, ending: Ending): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: modelOf(fixture),
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: `FUZZ ${fixture} ${seed} ${ending}` }],
    }),
  });
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.stringify({ status: res.status, body: text });
  const frames = text.split('\n\n').filter((f) => f.trim() !== '').map((frame) => {
    if (!frame.startsWith('data: ')) return { unexpected: frame };
    const data = frame.slice(6);
    if (data === '[DONE]') return '[DONE]';
    const parsed = JSON.parse(data) as Record<string, unknown>;
    delete parsed.created;
    return parsed;
  });
  return JSON.stringify({ status: res.status, frames }, null, 1);
}

/** A readable summary of a view, to make a mismatch report short. */
function summary(view: string): string {
  const v = JSON.parse(view) as { frames?: Array<Record<string, any> | string> };
  if (!v.frames) return view.slice(0, 300);
  let content = '';
  const calls: string[] = [];
  const other: string[] = [];
  for (const f of v.frames) {
    if (typeof f === 'string') other.push(f);
    else if (f.error) other.push(`error:${JSON.stringify(f.error)}`);
    else {
      if (f.usage) other.push(`usage:${JSON.stringify(f.usage)}`);
      for (const c of f.choices ?? []) {
        content += c.delta?.content ?? '';
        for (const tc of c.delta?.tool_calls ?? []) calls.push(`${tc.index}:${tc.id ?? ''}:${tc.function?.name ?? ''}:${tc.function?.arguments ?? ''}`);
        if (c.finish_reason) other.push(`finish:${c.finish_reason}`);
      }
    }
  }
  return JSON.stringify({ content, calls, other });
}

async function pool<T>(jobs: Array<() => Promise<T>>, size: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

test('every fixture directory with recorded streams is fuzzed', () => {
  const root = new URL('../fixtures/', import.meta.url);
  const withStreams = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(new URL(`${d.name}/`, root)).some((f) => f.endsWith('.sse')))
    .map((d) => d.name);
  expect(withStreams.filter((dir) => !(dir in MODEL_BY_DIR) && !(dir in RESPONSES_ONLY))).toEqual([]);
});

test(`every stream fixture gives the same client output for ${SEEDS} re-chunkings × as recorded/LF/CRLF`, async () => {
  expect(FIXTURES.length).toBeGreaterThanOrEqual(20);
  const jobs: Array<() => Promise<string | undefined>> = [];
  const baselines = new Map<string, string>();
  const endings = ['raw', 'lf', 'crlf'] as const;
  // One uncut baseline per line ending: the request names the variant, so a usage estimate (for the
  // recording without upstream usage) counts a slightly different prompt per variant.
  await pool(FIXTURES.flatMap((fixture) => endings.map((ending) => async () => {
    baselines.set(`${fixture}|${ending}`, await clientView(fixture, 0, ending));
  })), CONCURRENCY);
  // The LF and CRLF variants read the same as recorded (only an estimated usage may differ).
  const comparable = (fixture: string, view: string) =>
    fixture === 'azure/stream-filtered.sse' ? JSON.stringify(JSON.parse(view), (k, v) => (k === 'usage' ? undefined : v)) : view;
  for (const fixture of FIXTURES) {
    for (const ending of ['lf', 'crlf'] as const) {
      expect({ fixture, ending, view: comparable(fixture, baselines.get(`${fixture}|${ending}`)!) }).toEqual({ fixture, ending, view: comparable(fixture, baselines.get(`${fixture}|raw`)!) });
    }
  }
  for (const fixture of FIXTURES) {
    for (const ending of endings) {
      const baseline = baselines.get(`${fixture}|${ending}`)!;
      for (let seed = 1; seed <= SEEDS; seed++) {
        jobs.push(async () => {
          const view = await clientView(fixture, seed, ending);
          if (view === baseline) return undefined;
          const report = `${fixture} ${ending} seed=${seed}\n  expected ${summary(baseline)}\n  received ${summary(view)}`;
          console.error(`rechunk-fuzz mismatch: ${report}`);
          return report;
        });
      }
    }
  }
  const mismatches = (await pool(jobs, CONCURRENCY)).filter((r): r is string => r !== undefined);
  expect(mismatches).toEqual([]);
  // Sanity: the streams really were cut (seed 1 alone cuts the first 120 bytes byte by byte).
  expect(served.streams).toBe(FIXTURES.length * (3 * SEEDS + 3));
  expect(served.pieces / served.streams).toBeGreaterThan(10);
}, 20_000);

test('the baselines are real answers: content, tool calls, usage and an ending for each fixture', async () => {
  const views = new Map<string, string>();
  for (const fixture of FIXTURES) views.set(fixture, summary(await clientView(fixture, 0, 'raw')));
  const s = (name: string) => JSON.parse(views.get(name)!) as { content: string; calls: string[]; other: string[] };
  expect(s('anthropic/stream-unicode.sse').content).toBe('你好，世界！🌍🚀 天气很好，温度 18°C 😀👍🏽 — 完成 ✅');
  expect(s('gemini/stream-unicode.sse').content).toBe('你好，世界！🌍🚀 天气很好，温度 18°C 😀👍🏽 — 完成 ✅');
  expect(s('coze/stream-unicode.sse').content).toBe('你好，世界！🌍🚀 天气很好，温度 18°C 😀👍🏽 — 完成 ✅');
  expect(s('cohere/stream-unicode.sse').content).toBe('你好，世界！🌍🚀 天气很好，温度 18°C 😀👍🏽 — 完成 ✅');
  expect(s('cohere/conformance-tools.sse').calls.join('')).toContain('1:get_time_3r8v1cj0b6ez:get_time:');
  expect(s('coze/stream-failed.sse').other.some((o) => o.startsWith('error:'))).toBe(true);
  expect(s('openai/stream-unicode.sse').calls.join('')).toContain('北');
  expect(s('azure/stream-unicode.sse').calls.join('')).toContain('🏙️');
  for (const fixture of FIXTURES) {
    const view = s(fixture);
    const ended = view.other.includes('[DONE]') || view.other.some((o) => o.startsWith('error:'));
    expect({ fixture, ended }).toEqual({ fixture, ended: true });
    // Every completed stream ends with usage: the upstream's, or an estimate (azure/stream-filtered.sse
    // is the one recording without upstream usage).
    const usage = view.other.some((o) => o.startsWith('usage:'));
    if (view.other.includes('[DONE]')) expect({ fixture, usage }).toEqual({ fixture, usage: true });
  }
});

/** The same streams through the Gemini API surface (its encoder collects tool-call fragments). */
async function geminiView(fixture: string, seed: number, ending: Ending): Promise<string> {
  const model = MODEL_BY_DIR[fixture.split('/')[0]];
  const res = await fetch(`${gw.url}/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'x-goog-api-key': TEST_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `FUZZ ${fixture} ${seed} ${ending}` }] }] }),
  });
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.stringify({ status: res.status, body: text });
  const events = text.split('\r\n\r\n').filter((f) => f.trim() !== '').map((frame) => {
    if (!frame.startsWith('data: ')) return { unexpected: frame };
    const parsed = JSON.parse(frame.slice(6)) as Record<string, unknown>;
    delete parsed.responseId;
    return parsed;
  });
  return JSON.stringify({ status: res.status, events });
}

test(`the Gemini surface's encoder gives the same events for ${Math.ceil(SEEDS / 4)} re-chunkings of every fixture`, async () => {
  const seeds = Math.ceil(SEEDS / 4);
  const baselines = new Map<string, string>();
  await pool(FIXTURES.map((fixture) => async () => {
    baselines.set(fixture, await geminiView(fixture, 0, 'raw'));
  }), CONCURRENCY);
  for (const fixture of FIXTURES) {
    const base = JSON.parse(baselines.get(fixture)!) as { status: number; events?: Array<Record<string, any>> };
    expect({ fixture, status: base.status }).toEqual({ fixture, status: 200 });
    // Every stream ends: a finishReason with usage, or an error event.
    const last = base.events!.at(-1)!;
    expect({ fixture, ended: Boolean(last.error || (last.candidates?.[0]?.finishReason && last.usageMetadata)) }).toEqual({ fixture, ended: true });
  }
  const jobs = FIXTURES.flatMap((fixture) => Array.from({ length: seeds }, (_, i) => async () => {
    const view = await geminiView(fixture, i + 1, 'raw');
    return view === baselines.get(fixture) ? undefined : `${fixture} seed=${i + 1}\n  expected ${baselines.get(fixture)!.slice(0, 400)}\n  received ${view.slice(0, 400)}`;
  }));
  expect((await pool(jobs, CONCURRENCY)).filter((r) => r !== undefined)).toEqual([]);
}, 20_000);

/** The Responses client's view: every event (type and payload) minus timestamps, with the request-specific id part masked. */
async function responsesView(fixture: string, seed: number, ending: Ending): Promise<string> {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: modelOf(fixture), stream: true, store: false, input: `FUZZ ${fixture} ${seed} ${ending}` }),
  });
  let text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.stringify({ status: res.status, body: text });
  const own = /"id":"resp_([a-z0-9]+)"/.exec(text)?.[1];
  if (own) text = text.replaceAll(own, 'X');
  const frames = text.split('\n\n').filter((f) => f.trim() !== '').map((frame) => {
    const m = /^event: (.+)\ndata: (.+)$/.exec(frame);
    if (!m) return { unexpected: frame };
    return JSON.parse(m[2], (k, v) => (k === 'created_at' || k === 'completed_at' ? undefined : v)) as unknown;
  });
  return JSON.stringify({ status: res.status, frames }, null, 1);
}

const RESPONSES_SEEDS = Math.max(1, Math.ceil(SEEDS / 2));

test(`Responses surface: every fixture gives the same events for ${RESPONSES_SEEDS} re-chunkings × as recorded/LF/CRLF`, async () => {
  const endings = ['raw', 'lf', 'crlf'] as const;
  const baselines = new Map<string, string>();
  await pool(RESPONSES_FIXTURES.flatMap((fixture) => endings.map((ending) => async () => {
    baselines.set(`${fixture}|${ending}`, await responsesView(fixture, 0, ending));
  })), CONCURRENCY);
  const jobs: Array<() => Promise<string | undefined>> = [];
  for (const fixture of RESPONSES_FIXTURES) {
    for (const ending of endings) {
      const baseline = baselines.get(`${fixture}|${ending}`)!;
      const frames = (JSON.parse(baseline) as { frames?: Array<{ type?: string }> }).frames ?? [];
      // A real answer: it ends in response.completed (response.incomplete after a content filter), or response.failed for the error recordings.
      expect({ fixture, ending, last: ['response.completed', 'response.incomplete', 'response.failed'].includes(frames.at(-1)?.type ?? '') }).toEqual({ fixture, ending, last: true });
      for (let seed = 1; seed <= RESPONSES_SEEDS; seed++) {
        jobs.push(async () => {
          const view = await responsesView(fixture, seed, ending);
          if (view === baseline) return undefined;
          const report = `responses ${fixture} ${ending} seed=${seed}`;
          console.error(`rechunk-fuzz mismatch: ${report}\n${view.slice(0, 2000)}`);
          return report;
        });
      }
    }
  }
  expect((await pool(jobs, CONCURRENCY)).filter((r): r is string => r !== undefined)).toEqual([]);
}, 30_000);
