// `switchyard providers:test [--config FILE] [provider...]`: loads and compiles the config, sends one
// minimal request to each upstream model of the named providers (default: all), prints a table of
// status, latency and the first error, and exits 1 when any check failed (2 on bad arguments).

import { compileGateway } from '../compile/compile.ts';
import { compileProblem, formatProblem, loadConfigFile } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { checkId } from './check-outcome.ts';
import { type CheckResult, checkProvider } from './provider-check.ts';

export function formatTable(results: readonly CheckResult[]): string {
  const rows = [
    ['PROVIDER', 'UPSTREAM MODEL', 'MODELS', 'RESULT', 'STATUS', 'LATENCY', 'ERROR'],
    ...results.map((r) => [r.provider, r.upstream_model, r.models.join(','), r.ok ? 'ok' : 'FAIL', String(r.status), `${r.latency_ms} ms`, r.ok ? '' : `${r.code}: ${r.error}`]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export async function providersTestCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  let configPath = process.env.SWITCHYARD_CONFIG ?? 'gateway.yaml';
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') continue;
    if (a === '--config') configPath = args[++i] ?? configPath;
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else if (a.startsWith('-')) {
      out(`providers:test: unknown option "${a}". Usage: switchyard providers:test [--config FILE] [provider...]`);
      return 2;
    } else names.push(a);
  }
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) {
    for (const p of loaded.problems) out(formatProblem(p));
    return 1;
  }
  let gw;
  try {
    gw = (await compileGateway(loaded)).gateway;
  } catch (err) {
    out(compileProblem(loaded, err));
    return 1;
  }
  const unknown = names.filter((n) => !gw.providers.has(n));
  if (unknown.length) {
    out(`providers:test: unknown provider${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; ${loaded.file} declares ${[...gw.providers.keys()].join(', ')}`);
    return 2;
  }
  const log = createLogger('silent');
  log.setSecrets(gw.secrets);
  const results: CheckResult[] = [];
  for (const provider of gw.providers.values()) {
    if (names.length && !names.includes(provider.name)) continue;
    results.push(...(await checkProvider(gw, log, provider, checkId)));
  }
  if (!results.length) {
    out('providers:test: no provider serves a model, so there is nothing to test.');
    return 1;
  }
  out(formatTable(results));
  const failed = results.filter((r) => !r.ok).length;
  out(failed ? `\n${failed} of ${results.length} checks failed.` : `\nall ${results.length} checks passed.`);
  return failed ? 1 : 0;
}
