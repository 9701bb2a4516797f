// Compiles configured client keys into a digest → key map. Plaintext keys are hashed here once and
// never kept; model globs become anchored regular expressions.

import { createHash } from 'node:crypto';
import type { GatewayConfig, KeyConfig } from '../config/types.ts';
import type { CompiledKey } from './types.ts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function compileKey(key: KeyConfig): CompiledKey {
  return Object.freeze({
    name: key.name,
    digest: key.key_sha256?.toLowerCase() ?? sha256Hex(key.key ?? ''),
    group: key.group ?? 'default',
    budgetMicros: key.budget === undefined ? undefined : Math.round(key.budget * 1e6),
    expiresAt: key.expires_at ? Date.parse(key.expires_at) : undefined,
    modelPatterns: key.models?.map(globToRegExp),
    allowIps: key.allow_ips,
    limits: key.limits,
    canPin: key.can_pin === true,
    source: 'config' as const,
  });
}

export function compileKeys(config: GatewayConfig): Map<string, CompiledKey> {
  return new Map((config.keys ?? []).map((k) => {
    const compiled = compileKey(k);
    return [compiled.digest, compiled];
  }));
}
