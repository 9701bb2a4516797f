// Experiment (issue 13): added p50 over direct at a fixed rate for forwarding servers given on the command line
// (default the fetch proxy and the socket proxy), alternating ROUNDS (4) rounds of RATE (500) req/s for SECONDS (4).
import { paced } from './paced.ts';
import { installExitHandlers, killAll, readPort, spawnChild } from './procs.ts';

installExitHandlers();
const servers = process.argv.slice(2).length ? process.argv.slice(2) : ['bench/bare-proxy.ts', 'bench/socket-proxy.ts'];
const upstream = spawnChild([process.execPath, 'bench/fake-upstream.ts'], {});
const up = `http://127.0.0.1:${await readPort(upstream, 'upstream')}`;
const targets: Array<[string, string]> = [['direct', up]];
for (const s of servers) {
  const c = spawnChild([process.execPath, s], { BENCH_UPSTREAM: up });
  targets.push([s, `http://127.0.0.1:${await readPort(c, s)}`]);
}
const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 });
const init = { headers: { 'content-type': 'application/json' }, body };
const p50s = new Map<string, number[]>();
for (let r = 0; r < Number(process.env.ROUNDS ?? 4); r++) {
  for (const [id, base] of targets) {
    await paced(`${base}/v1/chat/completions`, init, { rate: 200, seconds: 1 });
    const res = await paced(`${base}/v1/chat/completions`, init, { rate: Number(process.env.RATE ?? 500), seconds: Number(process.env.SECONDS ?? 4) });
    (p50s.get(id) ?? p50s.set(id, []).get(id)!).push(res.p50Ms);
  }
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const direct = med(p50s.get('direct')!);
for (const [id, a] of p50s) console.log(`${id}: p50 ${med(a).toFixed(3)} ms, over direct ${(med(a) - direct).toFixed(3)} ms (rounds ${a.map((x) => x.toFixed(3)).join(' ')})`);
killAll();
process.exit(0);
