// Loads the built-in adapter of every provider that names one, so its providerOptionsSchema can check the
// provider's fields together with the rest of the file. Built-in adapters are the gateway's own code;
// user adapters (`./path.ts`) are not run here (`validate` runs no user code): compile checks their
// fields once it has loaded them.

import { BUILTIN_ADAPTERS, loadAdapter } from '../compile/adapter-registry.ts';
import { staticLoad } from '../compile/fresh-import.ts';
import type { Adapter } from '../contracts/adapter.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate } from './yaml-source.ts';

export interface ProviderAdapters {
  adapters: Map<string, { adapter: Adapter }>;
  problems: ConfigProblem[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function loadBuiltinAdapters(file: string, source: ParsedSource, config: GatewayConfig): Promise<ProviderAdapters> {
  const adapters = new Map<string, { adapter: Adapter }>();
  const problems: ConfigProblem[] = [];
  const providers: Record<string, unknown> = isObject(config.providers) ? config.providers : {};
  const code = staticLoad();
  try {
    for (const [name, provider] of Object.entries(providers)) {
      const id = isObject(provider) ? provider.adapter : undefined;
      if (typeof id !== 'string' || !BUILTIN_ADAPTERS.includes(id)) continue; // semantic.ts reports unknown ids
      try {
        adapters.set(name, await loadAdapter(id, '.', code));
      } catch (err) {
        const reason = err instanceof Error ? err.message.split('\n')[0] : 'it threw a non-error';
        problems.push({ file, ...locate(source, ['providers', name, 'adapter']), message: `provider ${name}: built-in adapter ${id} failed to load: ${reason}` });
      }
    }
  } finally {
    code.done();
  }
  return { adapters, problems };
}
