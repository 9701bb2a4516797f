// One gateway (or a bench server) at a stage's layers in front of the fake upstream, with its stderr kept: what
// bench/gc-probe.ts (JavaScriptCore's GC log) and bench/osr-exits.ts (its OSR exits) read. `env` switches the
// runtime's diagnostics on; `server`: a bench server printing {"port":N} instead of the gateway (it gets
// BENCH_UPSTREAM and BENCH_CONFIG). Callers install the exit handlers (procs.ts) and killAll() at the end.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, type StageLayers, stageYaml } from './gateway-config.ts';
import { type Child, freePort, readPort, spawnChild, waitHealthy } from './procs.ts';
import { writeLua } from './wrk.ts';

export interface LoggedGateway {
  child: Child;
  /** The chat endpoint. */
  url: string;
  /** A wrk script posting one chat request (`stream` as asked) with the bench key. */
  lua: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** The temp dir holding its config, data and the wrk script. */
  root: string;
}

export async function startLoggedGateway(layers: StageLayers, env: Record<string, string>, opts: { server?: string; stream?: boolean; prefix?: string } = {}): Promise<LoggedGateway> {
  const root = mkdtempSync(join(tmpdir(), opts.prefix ?? 'switchyard-logged-'));
  const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
  const upstreamPort = await readPort(upstream, 'fake upstream');
  const config = join(root, 'gateway.yaml');
  writeFileSync(config, stageYaml({ upstreamPort, dir: root, ...layers }));
  const port = freePort();
  let log = '';
  const script = opts.server ? [opts.server] : ['src/cli.ts', 'start', '--config', config, '--port', String(port)];
  const child = spawnChild([process.execPath, ...script], {
    SWITCHYARD_LOG: 'silent', BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}`, BENCH_CONFIG: config,
    ...(layers.ledgerFile ? {} : { SWITCHYARD_LEDGER_THREAD: 'discard' }), ...env,
  }, (text) => { log += text; });
  let servedPort = port;
  if (opts.server) servedPort = await readPort(child, opts.server);
  else {
    void (async () => { for await (const _ of child.proc.stdout) { /* discard */ } })().catch(() => {});
    await waitHealthy(`http://127.0.0.1:${port}/health`, child, 'gateway');
  }
  const stream = opts.stream ? { stream: true, stream_options: { include_usage: true } } : {};
  const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16, ...stream });
  const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
  return { child, url: `http://127.0.0.1:${servedPort}/v1/chat/completions`, lua, stderr: () => log, root };
}
