// `bun bench/perf-split.ts` (issue 13; needs Linux `perf`, Debian package linux-perf): where each thread's CPU
// goes, by code, for the bare proxy and the gateway at the ledger stage under wrk (64 connections). Linux
// perf samples the server's every thread (cpu-clock, 999 Hz) for SECONDS; each (thread, code) share of the
// samples is turned into µs per request with the process's CPU per request from /proc. "bun.exe" is the
// runtime's native code (HTTP server and client, JavaScriptCore's C++: JSON, strings, Response and Headers,
// the collector, allocation), "[JIT]" the JavaScript it compiled, "kernel" the system calls and network
// stack. Bun's release binary carries no symbols, so the split stops at the code's owner. ROUNDS (2),
// SECONDS (5): each round measures both servers once, in alternating order; the table shows the medians.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, stageLayers, stageYaml } from './gateway-config.ts';
import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { freePort, installExitHandlers, killAll, readPort, spawnChild, waitHealthy } from './procs.ts';
import { median } from './report.ts';
import { runWrk, writeLua } from './wrk.ts';

const rounds = Number(process.env.ROUNDS ?? 2);
const seconds = Number(process.env.SECONDS ?? 5);
if (Bun.spawnSync(['perf', '--version']).exitCode !== 0) {
  console.error('bench/perf-split.ts needs Linux perf (apt-get install -y linux-perf)');
  process.exit(2);
}

installExitHandlers();
const root = mkdtempSync(join(tmpdir(), 'switchyard-perf-split-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');

interface Target { name: string; url: string; pid: number; split: Map<string, number[]>; perRequest: number[] }
const targets: Target[] = [];
const proxy = spawnChild([process.execPath, 'bench/bare-proxy.ts'], { BENCH_UPSTREAM: `http://127.0.0.1:${upstreamPort}` });
targets.push({ name: 'bare proxy', url: `http://127.0.0.1:${await readPort(proxy, 'bare proxy')}/v1/chat/completions`, pid: proxy.proc.pid, split: new Map(), perRequest: [] });
await Bun.write(join(root, 'gateway.yaml'), stageYaml({ upstreamPort, dir: root, ...stageLayers('ledger') }));
const port = freePort();
const gateway = spawnChild([process.execPath, 'src/cli.ts', 'start', '--config', join(root, 'gateway.yaml'), '--port', String(port)], { SWITCHYARD_LOG: 'silent' });
void (async () => { for await (const _ of gateway.proc.stdout) { /* discard */ } })().catch(() => {});
await waitHealthy(`http://127.0.0.1:${port}/health`, gateway, 'gateway');
targets.push({ name: 'gateway (ledger stage)', url: `http://127.0.0.1:${port}/v1/chat/completions`, pid: gateway.proc.pid, split: new Map(), perRequest: [] });

const body = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const lua = await writeLua(join(root, 'post.lua'), body, { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
for (const t of targets) await runWrk(t.url, lua, { connections: 64, threads: 1, seconds: 2 }); // warm-up

/** "  41.68%  HTTP Client   [kernel.kallsyms]" lines of `perf report --sort comm,dso` → share by "thread / code". */
function shares(report: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of report.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(.+?)\s{2,}(\S.*?)\s*$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const thread = m[2] === 'bun.exe' || m[2] === 'bun' ? 'main' : m[2];
    const code = m[3].startsWith('[JIT]') ? '[JIT]' : m[3] === '[kernel.kallsyms]' ? 'kernel' : m[3];
    const key = `${thread} / ${code}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[1]) / 100);
  }
  return out;
}

for (let r = 0; r < rounds; r++) {
  for (const t of r % 2 ? [...targets].reverse() : targets) {
    const data = join(root, `perf-${t.pid}-${r}.data`);
    const before = cpuSample(t.pid);
    const perf = Bun.spawn(['perf', 'record', '-q', '-F', '999', '-p', String(t.pid), '-o', data, '--', 'sleep', String(seconds)], { stdout: 'ignore', stderr: 'ignore' });
    const w = await runWrk(t.url, lua, { connections: 64, threads: 1, seconds });
    await perf.exited;
    const cpu = cpuPerRequest(before, cpuSample(t.pid), w.requests);
    const report = Bun.spawnSync(['perf', 'report', '-i', data, '--no-children', '--sort', 'comm,dso', '--stdio']).stdout.toString();
    if (cpu.allUs === undefined) throw new Error('no /proc figures');
    t.perRequest.push(cpu.allUs);
    for (const [key, share] of shares(report)) {
      const xs = t.split.get(key) ?? [];
      xs.push(share * cpu.allUs);
      t.split.set(key, xs);
    }
    process.stderr.write(`round ${r + 1}/${rounds}: ${t.name} ${cpu.allUs.toFixed(1)} µs/req\n`);
  }
}

const keys = [...new Set(targets.flatMap((t) => [...t.split.keys()]))]
  .map((k) => ({ k, total: Math.max(...targets.map((t) => median(t.split.get(k) ?? [0]))) }))
  .filter((x) => x.total >= 0.5)
  .sort((a, b) => b.total - a.total);
console.log(`CPU µs per request by thread and code (perf cpu-clock samples, medians of ${rounds} rounds of ${seconds} s at 64 connections)\n`);
console.log(`| thread / code | ${targets.map((t) => t.name).join(' | ')} | Δ |`);
console.log(`|---|${targets.map(() => '---:').join('|')}|---:|`);
for (const { k } of keys) {
  const v = targets.map((t) => median(t.split.get(k) ?? [0]));
  console.log(`| ${k} | ${v.map((x) => x.toFixed(1)).join(' | ')} | ${(v[v.length - 1] - v[0] >= 0 ? '+' : '') + (v[v.length - 1] - v[0]).toFixed(1)} |`);
}
const totals = targets.map((t) => median(t.perRequest));
console.log(`| all threads (/proc) | ${totals.map((x) => x.toFixed(1)).join(' | ')} | +${(totals[totals.length - 1] - totals[0]).toFixed(1)} |`);
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
