// `bun bench/alloc-ops.ts` (issue 13): the garbage single operations of a chat request make, in KiB per call,
// to tell where the gateway's ~17 KiB per request (bench/gc-probe.ts) comes from. Each operation runs in a
// child process of its own (this file with ALLOC_OP=<name>) with JavaScriptCore's GC log on, N times (200,000)
// after a warm-up; what the heap grew between collections, over N, is the operation's garbage. An operation
// that allocates less than about 0.05 KiB per call runs too few collections to be measured (it says so).

import { addCostHeaders } from '../src/pipeline/answer.ts';
import { rateLimitHeaders } from '../src/limits/headers.ts';
import { encodeRow } from '../src/store/ledger-wire.ts';
import type { RequestRow } from '../src/store/ledger.ts';
import { validateChat } from '../src/http/validate-chat.ts';
import { allocatedPerUnit, readGcLog } from './gc-log.ts';

const REQUEST = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! This is a fixed benchmark answer.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 },
});
const SNAPSHOT = { requests: { limit: 1_000_000, remaining: 999_000, resetMs: 60 }, tokens: { limit: 100_000_000, remaining: 99_000_000, resetMs: 60 } };
const ROW: RequestRow = {
  id: 'req_abc', ts: 1, keyName: 'bench', group: 'default', route: '/v1', model: 'bench-model', provider: 'bench', upstreamModel: 'bench-model',
  promptTokens: 14, completionTokens: 9, cachedTokens: 0, usageSource: 'upstream', costMicros: 23, status: 200, errorCode: null, latencyMs: 1,
  ttftMs: null, stream: false, partial: false, configHash: 'abc', surface: 'openai', reasoningTokens: 0, operation: 'chat',
} as RequestRow;

async function chain(depth: number): Promise<number> {
  if (depth === 0) return await Promise.resolve(1);
  return (await chain(depth - 1)) + 1;
}

/** Each returns something so the work cannot be optimised away. */
const OPS: Record<string, (i: number) => unknown> = {
  'nothing (loop only)': (i) => i,
  'JSON.parse of the request body': () => JSON.parse(REQUEST),
  'validateChat on a parsed body': () => validateChat(JSON.parse(REQUEST)),
  'JSON.parse of the answer': () => JSON.parse(ANSWER),
  'JSON.stringify of a parsed request': () => JSON.stringify(JSON.parse(REQUEST)),
  'the 15 answer headers (rate limit + ids + cost)': (i) => {
    const h: Record<string, string> = { ...rateLimitHeaders(SNAPSHOT), 'x-request-id': `req_${i}`, 'x-switchyard-attempts': '1', 'x-switchyard-provider': 'bench', 'x-switchyard-upstream-model': 'bench-model', 'content-type': 'application/json' };
    addCostHeaders(h, { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 }, 23);
    return h;
  },
  'a Response with those headers': (i) => new Response(ANSWER, { headers: { 'x-request-id': `req_${i}`, 'content-type': 'application/json' } }),
  'a ledger row flattened (encodeRow, one attempt)': (i) => encodeRow({ ...ROW, id: `req_${i}` }, [{ requestId: `req_${i}`, n: 1, provider: 'bench', upstreamModel: 'bench-model', status: 200, errorCode: null, latencyMs: 1, ts: 1 } as never]),
  'AbortController': () => new AbortController().signal,
  'an async chain of 1': () => chain(1),
  'an async chain of 12': () => chain(12),
};

if (process.env.ALLOC_OP) {
  const op = OPS[process.env.ALLOC_OP]!;
  const n = Number(process.env.N ?? 200_000);
  let sink: unknown;
  for (let i = 0; i < 20_000; i++) sink = await op(i);
  Bun.gc(true);
  console.error('ALLOC_START');
  for (let i = 0; i < n; i++) sink = await op(i);
  console.error('ALLOC_END');
  (globalThis as { __sink?: unknown }).__sink = sink;
} else {
  const n = Number(process.env.N ?? 200_000);
  console.log('| operation | KiB of garbage per call | collections |');
  console.log('|---|---:|---:|');
  for (const name of Object.keys(OPS)) {
    const child = Bun.spawnSync([process.execPath, import.meta.path], { env: { ...process.env, ALLOC_OP: name, BUN_JSC_logGC: '1', N: String(n) }, stderr: 'pipe', stdout: 'ignore' });
    const log = child.stderr.toString();
    const from = log.indexOf('ALLOC_START');
    const heap = [...readGcLog(log.slice(0, log.indexOf('ALLOC_END')), from).values()][0]; // one heap: no worker here
    const collections = heap?.collections ?? 0;
    const kib = heap && heap.spans > 0 ? allocatedPerUnit(heap, n).toFixed(3) : '< 0.05 (fewer than two collections)';
    console.log(`| ${name} | ${kib} | ${collections} |`);
  }
}
