// `bun bench/ttfc-stages.ts` (issue 13): where the gateway's time to first chunk goes, stage by stage.
// The same targets as `bun run bench` (bench/stages.ts, no Redis) and the fake upstream direct; in
// alternating rounds each gets STREAMS (200) sequential streamed chat requests (bench/ttfc.ts) and SEQ (200)
// sequential non-streamed ones; prints the p50 over direct for both. ROUNDS (3), TARGETS (comma list of ids;
// default direct,proxy,floor,framework,auth,limits,budget,ledger,observe).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL } from './gateway-config.ts';
import { percentile } from './paced.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';
import { median } from './report.ts';
import { startStages } from './stages.ts';
import { ttfc } from './ttfc.ts';

installExitHandlers();
const rounds = Number(process.env.ROUNDS ?? 3);
const streams = Number(process.env.STREAMS ?? 200);
const seq = Number(process.env.SEQ ?? 200);
const wanted = (process.env.TARGETS ?? 'direct,proxy,floor,framework,auth,limits,budget,ledger,observe').split(',');
const root = mkdtempSync(join(tmpdir(), 'switchyard-ttfc-'));
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const upstreamPort = await readPort(upstream, 'fake upstream');
const stages = [{ id: 'direct', url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions` }, ...(await startStages(upstreamPort, root, undefined, undefined, new Set()))]
  .filter((s) => wanted.includes(s.id));
const message = { model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 };
const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` };
/** The minimal metering server (and its Elysia twin) answers non-streamed requests only. */
const streamed = (id: string) => id !== 'floor' && id !== 'framework';
const first = new Map<string, number[]>(stages.map((s) => [s.id, []]));
const whole = new Map<string, number[]>(stages.map((s) => [s.id, []]));
const content = new Map<string, number[]>(stages.map((s) => [s.id, []]));

async function sequential(url: string, n: number): Promise<number> {
  const times: number[] = [];
  const body = JSON.stringify(message);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body });
    await res.arrayBuffer();
    if (res.status === 200) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

for (const s of stages) { if (streamed(s.id)) await ttfc(s.url, { headers, body: JSON.stringify({ ...message, stream: true }) }, 50); await sequential(s.url, 50); } // warm-up
for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 ? [...stages].reverse() : stages) {
    if (streamed(s.id)) {
      const t = await ttfc(s.url, { headers, body: JSON.stringify({ ...message, stream: true }) }, streams);
      first.get(s.id)!.push(t.p50Ms);
      content.get(s.id)!.push(t.contentP50Ms);
    }
    whole.get(s.id)!.push(await sequential(s.url, seq));
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}
const d1 = median(first.get('direct') ?? [0]);
const d2 = median(whole.get('direct') ?? [0]);
const d3 = median(content.get('direct') ?? [0]);
console.log(`| target | first chunk p50 ms | over direct | first content p50 ms | over direct | one request p50 ms (sequential) | over direct |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const s of stages) {
  const f = median(first.get(s.id)!);
  const w = median(whole.get(s.id)!);
  const c = median(content.get(s.id)!);
  const fs = streamed(s.id) ? [f.toFixed(3), s.id === 'direct' ? '' : (f - d1).toFixed(3), c.toFixed(3), s.id === 'direct' ? '' : (c - d3).toFixed(3)] : ['–', '–', '–', '–'];
  console.log(`| ${s.id} | ${fs.join(' | ')} | ${w.toFixed(3)} | ${s.id === 'direct' ? '' : (w - d2).toFixed(3)} |`);
}
killAll();
rmSync(root, { recursive: true, force: true });
process.exit(0);
