// Shared setup of the admission tests (in memory and on Redis): a compiled gateway with one mock model `m`
// and the given keys, an admission request for a key by name, and a Redis admission on a real redis-server
// (its own key prefix; closed by the returned close()).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGateway } from '../../src/compile/compile.ts';
import type { CompiledGateway } from '../../src/compile/types.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createAdmission } from '../../src/limits/admission.ts';
import { MemoryRateLimiter } from '../../src/limits/memory.ts';
import { createLogger } from '../../src/log.ts';
import { BudgetTracker } from '../../src/runtime/budgets.ts';
import type { AdmissionRequest } from '../../src/runtime/contracts.ts';
import { RedisAdmission } from '../../src/state/redis/admission.ts';
import { RedisState } from '../../src/state/redis/client.ts';
import { tempDir } from './gateway.ts';

/** `keys`: the YAML list items under `keys:` (one `- {...}` per line). */
export async function gatewayWithKeys(keys: string): Promise<CompiledGateway> {
  const file = join(tempDir(), 'gateway.yaml');
  writeFileSync(file, `version: 1
providers:
  mock: { adapter: mock, models: [m] }
models:
  m: { price: { input: 1, output: 1 } }
keys:
${keys}
`);
  const loaded = await loadConfigFile(file, {});
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
  return (await compileGateway(loaded)).gateway;
}

export function admissionRequest(gw: CompiledGateway, keyName: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  const key = [...gw.keysByDigest.values()].find((k) => k.name === keyName);
  if (!key) throw new Error(`no key named ${keyName}`);
  return { gw, key, model: gw.models.get('m'), promptTokens: 10, maxOutputTokens: 20, reservationMicros: 30, ...extra };
}

export interface OpenRedisAdmission {
  state: RedisState;
  admission: RedisAdmission;
  close(): Promise<void>;
}

/** A Redis admission (on_unavailable: reject) whose local fallback is a fresh in-memory admission. */
export async function openRedisAdmission(url: string, prefix: string, opts: { timeoutMs?: number; leaseTtlMs?: number } = {}): Promise<OpenRedisAdmission> {
  const log = createLogger('silent');
  const state = new RedisState({ url, prefix, onUnavailable: 'reject', timeoutMs: opts.timeoutMs ?? 500 }, log);
  await state.connect();
  const admission = new RedisAdmission(state, {
    leaseTtlMs: opts.leaseTtlMs ?? 15_000,
    local: createAdmission(new MemoryRateLimiter(), new BudgetTracker()),
    loadSpend: async () => ({ spentMicros: 0, adjustMicros: 0 }),
    log,
  });
  return {
    state,
    admission,
    close: async () => {
      admission.close();
      await state.close();
    },
  };
}
