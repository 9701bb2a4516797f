// `bun bench/request-signal.ts` (issue 13): what watching for a client that leaves costs in Bun's own server.
// A raw Bun.serve child (this file with SIGNAL_SERVER=1) forwards every POST to the fake upstream, reads the
// answer and returns it; the path picks what it does around the upstream call:
//   plain        fetch with no signal
//   read         + reads request.signal (Bun creates it on first read)
//   listen       + adds an 'abort' listener on request.signal before the call, removes it after
//   ctrl         an AbortController of its own passed to fetch (no client listener)
//   ctrl-listen  both: the controller, and the client listener that would abort it (the gateway's shape)
//   ctrl-wheel   the controller, and a deadline on the gateway's wheel (src/runtime/deadline-wheel.ts)
//                that checks request.signal.aborted once per tick instead of a listener per request
//   gateway      ctrl-listen + a deadline on the wheel (what callUpstream does)
//   options      plain + redirect: 'manual' and decompress: false (no signal)
//   call         the gateway's own callUpstream (src/upstream/call.ts) with request.signal, then its text()
//   headers      plain + one read of the upstream response's headers (Bun builds its Headers object on first read)
// wrk drives each variant in alternating rounds; the child's CPU per request (all threads, from /proc) is
// compared with plain. ROUNDS (6), SECONDS (3), CONNECTIONS (64), VARIANTS (comma list), BALLAST (see below).
// The server alone: SIGNAL_SERVER=1 (SIGNAL_VARIANT fixes the variant for every path; bench/gc-probe.ts uses it).

import { comparePathVariants } from './path-variants.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { writeLua } from './wrk.ts';
import { deadlines } from '../src/runtime/deadline-wheel.ts';
import { callUpstream } from '../src/upstream/call.ts';

const ALL = ['plain', 'read', 'listen', 'ctrl', 'ctrl-listen', 'ctrl-wheel', 'gateway', 'options', 'call', 'headers'] as const;
const VARIANTS = process.env.VARIANTS ? ALL.filter((v) => process.env.VARIANTS!.split(',').includes(v)) : [...ALL];

if (process.env.SIGNAL_SERVER === '1') {
  // BALLAST=n: keep n small strings in a Map alive for the server's life (a gateway's resident heap: the
  // token counter's rank table alone is ~200k entries), to see whether a large live heap makes calls dearer.
  const ballast = new Map<string, number>();
  for (let i = 0; i < Number(process.env.BALLAST ?? 0); i++) ballast.set(`tok${i.toString(36)}`, i);
  (globalThis as { __ballast?: unknown }).__ballast = ballast;
  const upstream = `${process.env.BENCH_UPSTREAM}/v1/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' };
  const json = { 'content-type': 'application/json' };
  const noop = { handleEvent() {} };
  const server = Bun.serve({
    hostname: '127.0.0.1', port: 0, idleTimeout: 0,
    async fetch(req) {
      const v = process.env.SIGNAL_VARIANT ?? req.url.slice(req.url.lastIndexOf('/') + 1);
      const body = await req.text();
      if (v === 'call') {
        const call = await callUpstream({ url: upstream, method: 'POST', headers, body }, { provider: 'bench', timeoutMs: 30_000, signal: req.signal });
        return new Response(await call.text(), { headers: json });
      }
      let signal: AbortSignal | undefined;
      let client: AbortSignal | undefined;
      let deadline: { cancel(): void } | undefined;
      if (v === 'read') void req.signal;
      if (v === 'listen' || v === 'ctrl-listen' || v === 'gateway') (client = req.signal).addEventListener('abort', noop);
      if (v.startsWith('ctrl') || v === 'gateway') {
        const c = new AbortController();
        signal = c.signal;
        if (v === 'ctrl-wheel') { const s = req.signal; deadline = deadlines.after(30_000, () => { if (s.aborted) c.abort(); }); }
        if (v === 'gateway') deadline = deadlines.after(30_000, () => c.abort());
      }
      const res = v === 'options'
        ? await fetch(upstream, { method: 'POST', headers, body, redirect: 'manual', decompress: false } as RequestInit)
        : await fetch(upstream, { method: 'POST', headers, body, signal });
      if (v === 'headers') void res.headers.get('content-type');
      const text = await res.text();
      client?.removeEventListener('abort', noop);
      deadline?.cancel();
      return new Response(text, { headers: json });
    },
  });
  process.on('SIGTERM', () => process.exit(0)); // exit normally, so that --cpu-prof writes its profile
  console.log(JSON.stringify({ port: server.port }));
} else {
  installExitHandlers();
  const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
  const upstreamUrl = `http://127.0.0.1:${await readPort(upstream, 'fake upstream')}`;
  const child = spawnChild([process.execPath, import.meta.path], { SIGNAL_SERVER: '1', BENCH_UPSTREAM: upstreamUrl, BALLAST: process.env.BALLAST ?? '0' });
  const base = `http://127.0.0.1:${await readPort(child, 'signal server')}`;
  const lua = await writeLua(`/tmp/request-signal-${process.pid}.lua`, JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] }), { 'content-type': 'application/json' });
  await comparePathVariants({ base, pid: child.proc.pid, lua, variants: VARIANTS, baseline: 'plain', label: 'variant', baselineLabel: 'plain' });
  killAll();
  process.exit(0);
}
