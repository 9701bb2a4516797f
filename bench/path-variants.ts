// One server process, several variants picked by the request path (`<base>/<variant>`): wrk drives each in
// alternating rounds (order reversed every other round, after a 1 s warm-up each) and the server's CPU per
// request (all threads, from /proc) is printed as medians, each against a base variant. Used by
// bench/response-headers.ts and bench/request-signal.ts. ROUNDS (6), SECONDS (3), CONNECTIONS (64).

import { cpuPerRequest, cpuSample } from './proc-stats.ts';
import { median } from './report.ts';
import { runWrk } from './wrk.ts';

export async function comparePathVariants(opts: {
  base: string; pid: number; lua: string; variants: readonly string[]; baseline: string; label: string; baselineLabel: string;
}): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? 6);
  const seconds = Number(process.env.SECONDS ?? 3);
  const connections = Number(process.env.CONNECTIONS ?? 64);
  const { base, pid, lua, variants } = opts;
  const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));
  const rps = new Map<string, number[]>(variants.map((v) => [v, []]));
  for (const v of variants) await runWrk(`${base}/${v}`, lua, { connections, threads: 1, seconds: 1 }); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const before = cpuSample(pid);
      const res = await runWrk(`${base}/${v}`, lua, { connections, threads: 1, seconds });
      cpu.get(v)!.push(cpuPerRequest(before, cpuSample(pid), res.requests).allUs ?? NaN);
      rps.get(v)!.push(res.rps);
    }
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const reference = median(cpu.get(opts.baseline) ?? [NaN]);
  console.log(`| ${opts.label} | CPU µs/req (all threads), median | Δ vs ${opts.baselineLabel} | req/s, median |`);
  console.log('|---|---:|---:|---:|');
  for (const v of variants) {
    const m = median(cpu.get(v)!);
    const delta = v === opts.baseline ? '' : (m - reference >= 0 ? '+' : '') + (m - reference).toFixed(1);
    console.log(`| ${v} | ${m.toFixed(1)} | ${delta} | ${Math.round(median(rps.get(v)!))} |`);
  }
}
