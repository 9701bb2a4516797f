// `bun bench/response-headers.ts`: what a response header costs in Bun's own server, with no gateway in the
// way. A raw Bun.serve child (this file with HEADERS_SERVER=1) answers every POST with the same small
// chat.completion JSON; the path picks the header set. wrk drives each variant in alternating rounds and
// the child's CPU per request (all threads, from /proc) is compared with the one-header variant:
//   one        content-type only
//   gateway    the gateway's 15 answer headers (x-ratelimit-*, x-request-id, x-switchyard-*), as an object
//   tuples     the same 15 as an array of [name, value] pairs
//   headers    the same 15 as a Headers object built per response
//   shared     the same 15 as ONE frozen object shared by every response (what compile time could give)
// ROUNDS (6), SECONDS (3), CONNECTIONS (64).

import { comparePathVariants } from './path-variants.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { writeLua } from './wrk.ts';

const BODY = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there, this is a short answer.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 },
});

/** The 15 headers a gateway answer carries (values of the same length as the gateway's). */
function gatewayHeaders(n: number): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': '1000000', 'x-ratelimit-remaining-requests': String(999_000 - (n % 1000)), 'x-ratelimit-reset-requests': '60s',
    'x-ratelimit-limit-tokens': '100000000', 'x-ratelimit-remaining-tokens': String(99_000_000 - (n % 100_000)), 'x-ratelimit-reset-tokens': '60s',
    'x-request-id': `req_${(1e12 + n).toString(36)}abcdef`, 'x-switchyard-attempts': '1', 'x-switchyard-provider': 'bench',
    'x-switchyard-upstream-model': 'bench-model', 'content-type': 'application/json', 'x-switchyard-cost-usd': '0.000023',
    'x-switchyard-prompt-tokens': '14', 'x-switchyard-completion-tokens': '9', 'x-switchyard-cached-tokens': '0',
  };
}

const VARIANTS = ['one', 'gateway', 'tuples', 'headers', 'shared'] as const;

if (process.env.HEADERS_SERVER === '1') {
  const shared = Object.freeze(gatewayHeaders(0));
  let n = 0;
  const server = Bun.serve({
    hostname: '127.0.0.1', port: 0, idleTimeout: 0,
    async fetch(req) {
      await req.text();
      const v = req.url.slice(req.url.lastIndexOf('/') + 1);
      n++;
      if (v === 'one') return new Response(BODY, { headers: { 'content-type': 'application/json' } });
      if (v === 'gateway') return new Response(BODY, { headers: gatewayHeaders(n) });
      if (v === 'tuples') return new Response(BODY, { headers: Object.entries(gatewayHeaders(n)) });
      if (v === 'headers') return new Response(BODY, { headers: new Headers(gatewayHeaders(n)) });
      return new Response(BODY, { headers: shared });
    },
  });
  console.log(JSON.stringify({ port: server.port }));
} else {
  installExitHandlers();
  const child = spawnChild([process.execPath, import.meta.path], { HEADERS_SERVER: '1' });
  const base = `http://127.0.0.1:${await readPort(child, 'headers server')}`;
  const lua = await writeLua(`/tmp/response-headers-${process.pid}.lua`, JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] }), { 'content-type': 'application/json' });
  await comparePathVariants({ base, pid: child.proc.pid, lua, variants: VARIANTS, baseline: 'one', label: 'header set', baselineLabel: 'content-type only' });
  await child.stop();
  killAll();
}
