// Loads the adapter of every provider whose `adapter` names a built-in id or an existing file, once per
// load: its providerOptionsSchema checks the provider's fields, and compile reuses the loaded module.
// An adapter module that fails to load is a problem at the provider's `adapter` line.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_ADAPTERS, loadAdapter } from '../compile/adapter-registry.ts';
import type { Adapter } from '../contracts/adapter.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate, shown } from './yaml-source.ts';

export interface ProviderAdapters {
  adapters: Map<string, { adapter: Adapter; file?: string }>;
  problems: ConfigProblem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function loadProviderAdapters(file: string, source: ParsedSource, config: GatewayConfig, baseDir: string): Promise<ProviderAdapters> {
  const adapters = new Map<string, { adapter: Adapter; file?: string }>();
  const problems: ConfigProblem[] = [];
  const providers: Record<string, unknown> = isObject(config.providers) ? config.providers : {};
  for (const [name, provider] of Object.entries(providers)) {
    const id = isObject(provider) ? provider.adapter : undefined;
    if (typeof id !== 'string' || !id) continue;
    const custom = id.startsWith('.') || isAbsolute(id);
    if (custom ? !existsSync(resolve(baseDir, id)) : !BUILTIN_ADAPTERS.includes(id)) continue; // semantic.ts reports it
    try {
      adapters.set(name, await loadAdapter(id, baseDir));
    } catch (err) {
      const path = ['providers', name, 'adapter'];
      const reason = err instanceof Error ? err.message.split('\n')[0]!.replaceAll(id, '<adapter>') : 'it threw a non-error';
      problems.push({ file, ...locate(source, path), message: `provider ${name}: adapter ${shown(source, path, id)} failed to load: ${reason}` });
    }
  }
  return { adapters, problems };
}
