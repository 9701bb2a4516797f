// A key's lanes must not keep a replaced gateway snapshot alive: a runtime key outlives every reload,
// and a lane it used once under an old snapshot must not pin that snapshot (its providers, plugins,
// catalogs) in memory for as long as the key exists.

import { expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileGateway } from '../../src/compile/compile.ts';
import type { CompiledKey } from '../../src/compile/types.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { laneFor } from '../../src/pipeline/lane.ts';
import { compileRuntimeKey } from '../../src/runtime/runtime-keys.ts';
import type { RuntimeKey } from '../../src/store/keys-repo.ts';
import { tempDir } from '../helpers/gateway.ts';

async function snapshot(file: string) {
  const result = await loadConfigFile(file);
  if (!result.ok) throw new Error('config invalid');
  return (await compileGateway(result)).gateway;
}

/** Compiles a snapshot, lets `key` use a lane of it, and returns only a weak reference to the snapshot. */
async function usedOnce(file: string, key: CompiledKey, model: string): Promise<WeakRef<object>> {
  const gw = await snapshot(file);
  expect(laneFor(gw, key, model)).toBeDefined();
  return new WeakRef(gw);
}

test('a lane used under an old snapshot does not keep that snapshot alive', async () => {
  const file = join(tempDir(), 'gateway.yaml');
  writeFileSync(file, 'version: 1\nproviders:\n  a: { adapter: mock, models: [m, other] }\n');
  const key = compileRuntimeKey({ name: 'rt', digest: 'd'.repeat(64), prefix: 'sk-rt', group: 'default', budgetMicros: null, expiresAt: null, revokedAt: null, createdAt: 1, models: [], allowIps: [], limits: null, } satisfies RuntimeKey);
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 5; i++) refs.push(await usedOnce(file, key, i === 0 ? 'm' : 'other'));
  for (let i = 0; i < 5; i++) {
    Bun.gc(true);
    await Bun.sleep(10);
  }
  // The first snapshot's lane (model "m") is never looked up again: it must not pin the snapshot.
  expect(refs[0].deref()).toBeUndefined();
  expect(refs.slice(0, 4).filter((r) => r.deref() !== undefined)).toHaveLength(0);
});
