// Experiment (issue 13, not part of `bun run bench`): bench/bare-proxy.ts with both bodies read whole instead
// of streamed through fetch (the request's bytes sent as a buffer, the answer's bytes returned as a buffer), as
// the gateway handles non-streamed calls. Prints {"port":N} when listening.

import { serveForwarding } from './forwarding-server.ts';

const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:1';
serveForwarding(async (req) => {
  const url = new URL(req.url);
  const res = await fetch(upstream + url.pathname + url.search, { method: req.method, headers: req.headers, body: await req.arrayBuffer() });
  return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
});
