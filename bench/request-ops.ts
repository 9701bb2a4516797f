// `bun bench/request-ops.ts`: what the operations one gateway request performs cost, each alone, in process
// (no I/O; the CPU of fetch and of Bun's HTTP server is not in here, see `bench/fetch-options.ts` and the
// floor rows of `bun run bench`). Each operation runs N times per round, ROUNDS rounds (median); the table
// multiplies by how often a non-streamed chat request with auth, limits, budget and ledger performs it, so
// the sum shows how much of the pipeline's own cost is these calls and how much is the glue between them.

import { BENCH_MODEL } from './gateway-config.ts';
import { median } from './report.ts';
import { newRequestId } from '../src/http/handle-request.ts';
import { rateLimitHeaders } from '../src/limits/headers.ts';
import { MemoryRateLimiter } from '../src/limits/memory.ts';
import type { LimitRule } from '../src/limits/rate-limiter.ts';
import { BudgetTracker } from '../src/runtime/budgets.ts';
import { deadlines } from '../src/runtime/deadline-wheel.ts';
import { encodeRow } from '../src/store/ledger-wire.ts';

const N = Number(process.env.N ?? 50_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const answer = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1_700_000_000, model: BENCH_MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! This is a fixed benchmark answer.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 20, total_tokens: 34 },
});
const inboundHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-0123456789abcdef', 'content-length': String(body.length) };
const request = () => new Request('http://127.0.0.1:3000/v1/chat/completions', { method: 'POST', headers: inboundHeaders, body });
const fifteen = (i: number): Record<string, string> => ({
  'x-ratelimit-limit-requests': '100000000', 'x-ratelimit-remaining-requests': String(99_999_999 - i), 'x-ratelimit-reset-requests': '59.9s',
  'x-ratelimit-limit-tokens': '100000000000', 'x-ratelimit-remaining-tokens': String(99_999_999_000 - i), 'x-ratelimit-reset-tokens': '59.9s',
  'x-request-id': `req_${i}`, 'x-switchyard-attempts': '1', 'x-switchyard-provider': 'upstream', 'x-switchyard-upstream-model': BENCH_MODEL,
  'x-switchyard-cost-usd': '0.000014', 'x-switchyard-prompt-tokens': '14', 'x-switchyard-completion-tokens': '20', 'x-switchyard-cached-tokens': '0',
  'content-type': 'application/json',
});
const rules: LimitRule[] = [
  { scope: 'key', name: 'bench', rpm: 1e8, tpm: 1e11, concurrency: 1e5, source: 'keys' },
  { scope: 'group', name: 'bench', rpm: 1e8, tpm: 1e11, concurrency: 1e5, source: 'groups' },
];
const limiter = new MemoryRateLimiter();
const budgets = new BudgetTracker();
const parsedBody = JSON.parse(body) as Record<string, unknown>;
const utf8 = new TextDecoder();
const signalled = request();
const onAbort = () => {};
const row = {
  id: 'req_x', ts: Date.now(), keyName: 'bench', groupName: 'bench', route: '/v1', model: BENCH_MODEL, provider: 'upstream', upstreamModel: BENCH_MODEL,
  promptTokens: 14, completionTokens: 20, cachedTokens: 0, usageSource: 'upstream' as const, costMicros: 14, status: 200, errorCode: null,
  latencyMs: 1, ttftMs: null, stream: false, partial: false, configHash: 'abcdef0123456789',
};

interface Op { name: string; perRequest: number; run: (i: number) => unknown; baseline?: (i: number) => unknown }
const ops: Op[] = [
  { name: 'new Request (what Bun builds per inbound request; for scale)', perRequest: 0, run: () => request() },
  { name: 'request.signal of a fresh request', perRequest: 1, run: () => request().signal, baseline: () => request() },
  { name: 'addEventListener + removeEventListener on it', perRequest: 1, run: () => { signalled.signal.addEventListener('abort', onAbort); signalled.signal.removeEventListener('abort', onAbort); } },
  { name: 'new URL(request.url)', perRequest: 1, run: () => new URL(signalled.url, 'http://gateway.invalid') },
  { name: 'inbound header read (auth, type, length ×2, cache, pin, transfer-encoding)', perRequest: 7, run: () => signalled.headers.get('authorization') },
  { name: 'body: arrayBuffer + decode + JSON.parse', perRequest: 1, run: async () => JSON.parse(utf8.decode(await request().arrayBuffer())), baseline: () => request() },
  { name: 'upstream body: { ...body, model } + JSON.stringify', perRequest: 1, run: () => JSON.stringify({ ...parsedBody, model: BENCH_MODEL }) },
  { name: 'AbortController', perRequest: 1, run: () => new AbortController() },
  { name: 'deadline wheel: after + cancel', perRequest: 2, run: () => deadlines.after(30_000, onAbort).cancel() },
  { name: 'answer: JSON.parse', perRequest: 1, run: () => JSON.parse(answer) },
  { name: 'response: new Response with the 15 headers', perRequest: 1, run: (i) => new Response(answer, { status: 200, headers: fifteen(i) }) },
  { name: '(same with 1 header, for scale)', perRequest: 0, run: () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }) },
  { name: 'limits: acquire (2 rules) + headers + release', perRequest: 1, run: () => { const r = limiter.acquire({ rules, tokens: 30 }); if (r.ok) { rateLimitHeaders(r.snapshot); r.lease.release(34); } } },
  { name: 'budget: reserve + settle', perRequest: 1, run: () => budgets.reserve({ name: 'bench', budgetMicros: 1e12 }, 30).settle(14) },
  { name: 'ledger: encodeRow + its share of the batch JSON', perRequest: 1, run: () => JSON.stringify(encodeRow(row, [{ n: 1, provider: 'upstream', upstreamModel: BENCH_MODEL, status: 200, errorCode: null, latencyMs: 1, ts: row.ts }])) },
  { name: 'request id', perRequest: 1, run: () => newRequestId() },
  { name: 'Date.now', perRequest: 6, run: () => Date.now() },
];

async function time(fn: (i: number) => unknown): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    const v = fn(i);
    if (v instanceof Promise) await v;
  }
  return ((performance.now() - t) * 1000) / N;
}

console.log(`Operations of one non-streamed chat request, in process (${N} calls × ${ROUNDS} rounds, median; µs)\n`);
console.log('| operation | per request | µs each | µs per request |\n|---|---:|---:|---:|');
let total = 0;
for (const op of ops) {
  for (let w = 0; w < 2; w++) await time(op.run); // warm-up (JIT)
  const xs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) xs.push((await time(op.run)) - (op.baseline ? await time(op.baseline) : 0));
  const each = Math.max(0, median(xs));
  total += each * op.perRequest;
  console.log(`| ${op.name} | ${op.perRequest || '–'} | ${each.toFixed(3)} | ${op.perRequest ? (each * op.perRequest).toFixed(2) : '–'} |`);
}
console.log(`| **sum** | | | **${total.toFixed(1)}** |`);
process.exit(0);
