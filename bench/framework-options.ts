// `bun bench/framework-options.ts`: what Elysia's options cost around the minimal metering server
// (bench/minimal-meter.ts): raw Bun.serve, Elysia's catch-all (as the gateway mounted its API before),
// the OpenAI path as a static route, and aot off. CPU per request of each server, alternating rounds
// (ROUNDS, default 6, 2 s each); the difference to raw per round, median.

import type { Child } from './procs.ts';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BENCH_KEY, BENCH_MODEL } from './gateway-config.ts';
import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { median } from './report.ts';
import { runWrk, writeLua } from './wrk.ts';
installExitHandlers();
const up = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstream = `http://127.0.0.1:${await readPort(up, 'up')}`;
const vs = ['raw', 'elysia', 'elysia-static', 'elysia-noaot'];
const ts: Array<{ v: string; c: Child; url: string; main: number[]; all: number[] }> = [];
for (const v of vs) { const c = spawnChild([process.execPath, 'bench/minimal-meter.ts'], { BENCH_UPSTREAM: upstream, BENCH_FRAMEWORK: v }); ts.push({ v, c, url: `http://127.0.0.1:${await readPort(c, v)}/v1/chat/completions`, main: [] as number[], all: [] as number[] }); }
const lua = await writeLua(join(mkdtempSync(join(tmpdir(), 'fw-')), 'p.lua'), JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 }), { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` });
for (const t of ts) await runWrk(t.url, lua, { connections: 64, threads: 1, seconds: 2 });
for (let r = 0; r < Number(process.env.ROUNDS ?? 6); r++) for (const t of r % 2 ? [...ts].reverse() : ts) {
  const b = cpuSample(t.c.proc.pid); const w = await runWrk(t.url, lua, { connections: 64, threads: 1, seconds: 2 }); const c = cpuPerRequest(b, cpuSample(t.c.proc.pid), w.requests);
  t.main.push(c.mainUs!); t.all.push(c.allUs!);
}
for (const t of ts) console.log(t.v.padEnd(14), 'main', median(t.main).toFixed(1), 'all', median(t.all).toFixed(1), 'Δmain vs raw (median of rounds)', median(t.main.map((x, i) => x - ts[0]!.main[i]!)).toFixed(1));
killAll(); process.exit(0);
