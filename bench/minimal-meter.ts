// The floor of a metering gateway on our stack (issue 13): a minimal metering server on raw Bun.serve,
// or the same handler inside one Elysia catch-all route (BENCH_FRAMEWORK=elysia, no framework body
// parsing), to price the framework alone. Per request: authenticate by sha256 digest lookup, one
// in-memory counter (a per-key request count, as a limiter's cheapest form), forward the client's
// bytes to BENCH_UPSTREAM, read the answer and parse its usage, count the tokens. Prints {"port":N}.
// BENCH_FRAMEWORK=elysia-static (the OpenAI path as a static route) and elysia-noaot price Elysia's options.

import { createHash } from 'node:crypto';
import { Elysia } from 'elysia';
import { BENCH_KEY } from './gateway-config.ts';
import { exitWithParent } from './orphan-guard.ts';

const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:1';
const digest = (key: string) => createHash('sha256').update(key).digest('hex');
const keys = new Map([[digest(BENCH_KEY), { name: 'bench', requests: 0, tokens: 0 }]]);
const upstreamHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' };
const withSignal = process.env.BENCH_SIGNAL === '1';
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function meter(req: Request): Promise<Response> {
  const auth = req.headers.get('authorization');
  const key = auth ? keys.get(digest(auth.slice(7))) : undefined;
  if (!key) return json(401, { error: { message: 'invalid key', type: 'authentication_error' } });
  key.requests += 1;
  const body = await req.text();
  let res: Response;
  if (withSignal) {
    // BENCH_SIGNAL=1: what an abort signal and a timeout per call cost (issue 13's first hypothesis).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    res = await fetch(upstream + new URL(req.url).pathname, { method: 'POST', headers: upstreamHeaders, body, signal: controller.signal });
    clearTimeout(timer);
  } else {
    res = await fetch(upstream + new URL(req.url).pathname, { method: 'POST', headers: upstreamHeaders, body });
  }
  const text = await res.text();
  const usage = (JSON.parse(text) as { usage?: { total_tokens?: number } }).usage;
  key.tokens += usage?.total_tokens ?? 0;
  return new Response(text, { status: res.status, headers: { 'content-type': 'application/json' } });
}

let port: number;
const framework = process.env.BENCH_FRAMEWORK;
if (framework === 'elysia') {
  // As the gateway mounts its API: one catch-all route, no body parsing by the framework.
  const app = new Elysia().all('/*', ({ request }) => meter(request), { parse: 'none' }).listen({ hostname: '127.0.0.1', port: 0, idleTimeout: 0 });
  port = app.server!.port!;
} else if (framework === 'elysia-static') {
  // The fixed OpenAI path as its own static route (Elysia hands static paths to Bun's native router).
  const app = new Elysia().post('/v1/chat/completions', ({ request }) => meter(request), { parse: 'none' }).all('/*', ({ request }) => meter(request), { parse: 'none' }).listen({ hostname: '127.0.0.1', port: 0, idleTimeout: 0 });
  port = app.server!.port!;
} else if (framework === 'elysia-noaot') {
  const app = new Elysia({ aot: false }).all('/*', ({ request }) => meter(request), { parse: 'none' }).listen({ hostname: '127.0.0.1', port: 0, idleTimeout: 0 });
  port = app.server!.port!;
} else {
  port = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: meter }).port!;
}

exitWithParent();
console.log(JSON.stringify({ port }));
