// Resolves public model names into priority tiers of targets, with prices in micro-dollars.

import type { GatewayConfig } from '../config/types.ts';
import { catalogPrice } from './price-catalog.ts';
import type { CompiledModel, CompiledProvider, Target } from './types.ts';

const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export function compileModels(config: GatewayConfig, providers: ReadonlyMap<string, CompiledProvider>): Map<string, CompiledModel> {
  const names = new Set<string>(Object.keys(config.models ?? {}));
  for (const provider of providers.values()) for (const name of provider.modelMap.keys()) names.add(name);

  const models = new Map<string, CompiledModel>();
  for (const name of names) {
    const mc = config.models?.[name] ?? {};
    const targets: Target[] = [];
    if (mc.targets?.length) {
      for (const t of mc.targets) {
        const provider = providers.get(t.provider)!;
        const pc = config.providers[t.provider];
        targets.push(target(provider, t.model ?? provider.modelMap.get(name) ?? name, t.weight ?? pc.weight ?? 1, t.priority ?? pc.priority ?? 0));
      }
    } else {
      for (const provider of providers.values()) {
        const upstream = provider.modelMap.get(name);
        if (upstream === undefined) continue;
        const pc = config.providers[provider.name];
        targets.push(target(provider, upstream, pc.weight ?? 1, pc.priority ?? 0));
      }
    }
    const byPriority = new Map<number, Target[]>();
    for (const t of targets) {
      if (!byPriority.has(t.priority)) byPriority.set(t.priority, []);
      byPriority.get(t.priority)!.push(t);
    }
    const tiers = [...byPriority.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => Object.freeze(list));
    // gateway.yaml's price wins; otherwise the bundled catalog's, by public then upstream name.
    const hit = mc.price ? undefined : catalogPrice([name, ...targets.map((t) => t.upstreamModel)]);
    const price = mc.price ?? hit?.price;
    models.set(name, Object.freeze({
      name,
      tiers,
      price: {
        input: price?.input ?? 0,
        output: price?.output ?? 0,
        cachedInput: price?.cached_input ?? price?.input ?? 0,
        cacheWrite: price?.cache_write ?? price?.input ?? 0,
        perRequestMicros: Math.round((price?.per_request ?? 0) * 1e6),
        characters: price?.per_million_characters ?? 0,
      },
      priceSource: mc.price ? 'config' : hit ? `catalog:${hit.entry}` : 'none',
      fallbacks: mc.fallbacks ?? [],
      maxOutputTokens: mc.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      outputCap: mc.max_output_tokens,
      limits: config.limits?.models?.[name],
    }));
  }
  return models;
}

function target(provider: CompiledProvider, upstreamModel: string, weight: number, priority: number): Target {
  return Object.freeze({ provider, upstreamModel, weight, priority, breakerKey: `${provider.name}/${upstreamModel}` });
}
