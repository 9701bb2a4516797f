// The floor ladder (issue 13): the cheapest implementation on raw Bun.serve of each layer the goal names,
// on top of bench/minimal-meter.ts's floor (auth by sha256 digest, forward the client's bytes, parse usage).
// BENCH_LADDER picks the rung, each including the ones before it:
//   limits  parse the body (model, max_tokens), per-key and per-group rpm/tpm windows + concurrency,
//           checked before the call, tpm corrected after it (bench/floor-admission.ts)
//   budget  + reserve the worst-case cost before (prompt ≈ body bytes / 4, + max_tokens), settle after
//   ledger  + one `requests` row per request (the gateway's 20 columns), batched every 200 ms to a worker
//           thread that writes it to a SQLite file (bench/floor-ledger-worker.ts)
// Ledger knobs: BENCH_LEDGER_PATH (required), BENCH_LEDGER_DRIVER bun | libsql, BENCH_LEDGER_INDEXES=0
// (primary key only), BENCH_LEDGER_TRANSFER json (one string per batch) | array (postMessage of arrays).
// BENCH_LADDER_HEADERS=1: + an AbortController and a 30 s timer per call, and the headers the gateway adds
// (x-request-id, x-switchyard-cost-usd, six x-ratelimit-*). Non-streaming only. Prints {"port":N}; on SIGTERM
// flushes the ledger and exits once the worker has committed it.

import { createHash } from 'node:crypto';
import { admit, type Account, cancel, costMicros, release, reserve, resetMs, rule, type Rule, settle } from './floor-admission.ts';
import type { LedgerDriver, Row, ToFloorWorker } from './floor-ledger-worker.ts';
import { BENCH_KEY } from './gateway-config.ts';
import { exitWithParent } from './orphan-guard.ts';

const env = process.env;
const RUNGS = ['limits', 'budget', 'ledger'];
const rung = RUNGS.indexOf(env.BENCH_LADDER ?? '');
if (rung < 0) throw new Error(`BENCH_LADDER must be one of ${RUNGS.join(', ')}`);
const withBudget = rung >= 1;
const withLedger = rung >= 2;
const withHeaders = env.BENCH_LADDER_HEADERS === '1';
const upstream = env.BENCH_UPSTREAM ?? 'http://127.0.0.1:1';
const upstreamHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' };
const PRICE = { input: 0.15, output: 0.6 }; // $ per million tokens = micro-dollars per token
const generous = () => rule(100_000_000, 100_000_000_000, 100_000);

interface Key { name: string; group: string; rule: Rule; groupRule: Rule; account: Account }
const digest = (key: string) => createHash('sha256').update(key).digest('hex');
const groupRule = generous();
const keys = new Map<string, Key>([[digest(BENCH_KEY), { name: 'bench', group: 'bench', rule: generous(), groupRule, account: { budgetMicros: 1_000_000 * 1e6, spentMicros: 0, reservedMicros: 0 } }]]);

const json = (status: number, message: string, type: string) => new Response(JSON.stringify({ error: { message, type, code: null, param: null } }), { status, headers: { 'content-type': 'application/json' } });
const bootTag = Date.now().toString(36);
let counter = 0;

// The ledger: rows appended here, handed to the worker every 200 ms.
let batch: Row[] = [];
const transfer = env.BENCH_LEDGER_TRANSFER ?? 'json';
let worker: Worker | undefined;
if (withLedger) {
  const path = env.BENCH_LEDGER_PATH;
  if (!path) throw new Error('BENCH_LEDGER_PATH is required for BENCH_LADDER=ledger');
  worker = new Worker(new URL('./floor-ledger-worker.ts', import.meta.url).href);
  worker.addEventListener('message', (e: MessageEvent<{ type: string; message?: string }>) => {
    if (e.data.type === 'error') console.error(`floor ledger: ${e.data.message}`);
  });
  const driver = (env.BENCH_LEDGER_DRIVER ?? 'bun') as LedgerDriver;
  worker.postMessage({ type: 'init', path, driver, indexes: env.BENCH_LEDGER_INDEXES !== '0' } satisfies ToFloorWorker);
}
function flush(): void {
  if (!worker || batch.length === 0) return;
  worker.postMessage((transfer === 'array' ? { type: 'rows', rows: batch } : { type: 'rows', json: JSON.stringify(batch) }) satisfies ToFloorWorker);
  batch = [];
}
const flushTimer = withLedger ? setInterval(flush, 200) : undefined;

async function serve(req: Request): Promise<Response> {
  const started = performance.now();
  const auth = req.headers.get('authorization');
  const key = auth ? keys.get(digest(auth.slice(7))) : undefined;
  if (!key) return json(401, 'invalid key', 'authentication_error');
  const text = await req.text();
  let parsed: { model?: unknown; max_tokens?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = null;
  }
  if (!parsed || typeof parsed !== 'object') return json(400, 'the body must be a JSON object', 'invalid_request_error');
  const model = typeof parsed.model === 'string' ? parsed.model : '';
  const maxTokens = typeof parsed.max_tokens === 'number' ? parsed.max_tokens : 4096;
  const promptEstimate = Math.ceil(text.length / 4);
  const estimate = promptEstimate + maxTokens;
  const now = Date.now();
  const held = admit(key.rule, key.groupRule, estimate, now);
  if (typeof held === 'string') return json(429, `rate limit (${held}) reached`, 'rate_limit_error');
  const worst = withBudget ? costMicros(PRICE.input, PRICE.output, promptEstimate, maxTokens) : 0;
  if (withBudget && !reserve(key.account, worst)) {
    cancel(key.rule, key.groupRule, held);
    return json(402, 'budget exhausted', 'insufficient_quota');
  }
  const id = `req_${bootTag}${(counter++).toString(36)}`;
  let status = 502;
  let prompt = 0;
  let completion = 0;
  let answer: string | undefined;
  const controller = withHeaders ? new AbortController() : undefined;
  const timer = controller ? setTimeout(() => controller.abort(), 30_000) : undefined;
  try {
    const res = await fetch(upstream + '/v1/chat/completions', { method: 'POST', headers: upstreamHeaders, body: text, signal: controller?.signal });
    answer = await res.text();
    status = res.status;
    const usage = (JSON.parse(answer) as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
    prompt = usage?.prompt_tokens ?? 0;
    completion = usage?.completion_tokens ?? 0;
  } catch {
    answer = undefined;
  } finally {
    if (timer) clearTimeout(timer);
  }
  release(key.rule, key.groupRule, held, prompt + completion);
  const cost = withBudget ? costMicros(PRICE.input, PRICE.output, prompt, completion) : 0;
  if (withBudget) settle(key.account, worst, cost);
  if (withLedger) {
    batch.push([id, now, key.name, key.group, '/v1/chat/completions', model, 'upstream', model, prompt, completion, 0, answer ? 'upstream' : 'none',
      cost, status, answer ? null : 'upstream_error', Math.round(performance.now() - started), null, 0, 0, 'bench']);
  }
  if (answer === undefined) return json(502, 'the upstream failed', 'upstream_error');
  if (!withHeaders) return new Response(answer, { status, headers: { 'content-type': 'application/json' } });
  const r = key.rule;
  return new Response(answer, {
    status,
    headers: {
      'content-type': 'application/json',
      'x-request-id': id,
      'x-switchyard-cost-usd': (cost / 1e6).toFixed(6),
      'x-ratelimit-limit-requests': String(r.rpm),
      'x-ratelimit-remaining-requests': String(Math.max(0, r.rpm - r.requests.used(now))),
      'x-ratelimit-reset-requests': `${resetMs(r.requests, now)}ms`,
      'x-ratelimit-limit-tokens': String(r.tpm),
      'x-ratelimit-remaining-tokens': String(Math.max(0, r.tpm - r.tokens.used(now))),
      'x-ratelimit-reset-tokens': `${resetMs(r.tokens, now)}ms`,
    },
  });
}

const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: serve });

process.on('SIGTERM', () => {
  server.stop();
  if (!worker) process.exit(0);
  clearInterval(flushTimer);
  flush();
  worker.addEventListener('message', (e: MessageEvent<{ type: string }>) => {
    if (e.data.type === 'closed') process.exit(0);
  });
  worker.postMessage({ type: 'close' } satisfies ToFloorWorker);
  setTimeout(() => process.exit(1), 8000).unref();
});
exitWithParent();
console.log(JSON.stringify({ port: server.port }));
