// A gateway.yaml key may not take the name of a runtime key (one issued through the admin API, revoked or
// not). Spend, usage and admin actions are kept by name, so a config key of the same name would share the
// runtime key's spend and show its holder the other's usage, and the admin API could no longer reach the
// runtime key (config keys win there). Such a config is refused like any bad edit: at start, and on reload
// (the running config keeps serving). The admin API already refuses the opposite order.

import type { RuntimeKeyRegistry } from './runtime-keys.ts';

/** An error carrying the config path of the clashing name, for a file:line:col problem line. */
export class KeyNameClashError extends Error {
  constructor(readonly path: Array<string | number>, name: string, revoked: boolean) {
    super(`keys[${path[1]}].name "${name}" is already the name of a ${revoked ? 'revoked ' : ''}runtime key created through the admin API; `
      + 'names are never reused (spend and usage are kept by name): choose another name for this key.');
    this.name = 'KeyNameClashError';
  }
}

/** Throws KeyNameClashError for the first config key whose name a runtime key already has. */
export function assertNoKeyNameClash(configKeys: ReadonlyArray<{ name?: unknown }> | undefined, runtimeKeys: RuntimeKeyRegistry | undefined): void {
  if (!configKeys || !runtimeKeys) return;
  for (let i = 0; i < configKeys.length; i++) {
    const name = configKeys[i]?.name;
    if (typeof name !== 'string') continue;
    const existing = runtimeKeys.get(name);
    if (existing) throw new KeyNameClashError(['keys', i, 'name'], name, existing.revokedAt !== null);
  }
}
