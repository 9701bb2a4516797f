// The floor of any gateway on our stack: a bare Bun fetch-forwarding proxy. Forwards method, headers
// and body to BENCH_UPSTREAM and returns the upstream Response as is. Prints {"port":N} when listening.

import { exitWithParent } from './orphan-guard.ts';

const upstream = process.env.BENCH_UPSTREAM ?? 'http://127.0.0.1:1';
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  fetch(req) {
    const url = new URL(req.url);
    return fetch(upstream + url.pathname + url.search, { method: req.method, headers: req.headers, body: req.body });
  },
});

exitWithParent();
process.on('SIGTERM', () => process.exit(0)); // exit normally, so that --cpu-prof writes its profile
console.log(JSON.stringify({ port: server.port }));
