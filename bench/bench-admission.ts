// The bench's compiled gateway at the budget stage (key and group limits, a budget) and one admission request
// of its key for its model: what the Redis cost tools (redis-cost.ts, redis-lone.ts) admit over and over.
// The config file lives in a temp dir only while it is compiled.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGateway } from '../src/compile/compile.ts';
import { loadConfigFile } from '../src/config/load.ts';
import type { AdmissionRequest } from '../src/runtime/contracts.ts';
import { stageYaml } from './gateway-config.ts';

export async function benchAdmission(prefix: string): Promise<AdmissionRequest> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, stageYaml({ upstreamPort: 9, dir, limits: true, budget: true, ledgerFile: false, observe: false }));
  const loaded = await loadConfigFile(file, {});
  rmSync(dir, { recursive: true, force: true });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  const gw = (await compileGateway(loaded)).gateway;
  const key = [...gw.keysByDigest.values()].find((k) => k.name === 'bench')!;
  return { gw, key, model: [...gw.models.values()][0], promptTokens: 12, maxOutputTokens: 16, reservationMicros: 20 };
}
