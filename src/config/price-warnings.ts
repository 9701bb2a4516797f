// Served models that would be billed $0: no price in the compiled gateway (after every source of prices
// is applied) and no explicit `price:` in the config (an explicit zero price is a choice, not an
// oversight). `validate` prints them as warnings and the gateway logs them at start and on reload.

import type { CompiledGateway } from '../compile/types.ts';
import { type ConfigProblem, type ParsedSource, locate } from './yaml-source.ts';

export function priceWarnings(file: string, source: ParsedSource, gateway: CompiledGateway): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  const listedAt = providerListing(gateway);
  for (const model of gateway.models.values()) {
    if (!model.tiers.some((tier) => tier.length > 0)) continue;
    const p = model.price;
    if (p.input > 0 || p.output > 0 || p.cachedInput > 0 || p.perRequestMicros > 0) continue;
    if (gateway.config.models?.[model.name]?.price !== undefined) continue;
    warnings.push({
      file,
      ...(gateway.config.models?.[model.name] ? locate(source, ['models', model.name]) : locate(source, ...(listedAt.get(model.name) ?? [[]] as const))),
      severity: 'warning',
      message: `model ${model.name} has no price: its requests are billed $0 and no budget stops them; add models.${model.name}.price (USD per 1M tokens), or price: {input: 0, output: 0} if it is free`,
    });
  }
  return warnings;
}

/** Where each model is first listed under a provider (built once: linear in the number of models). */
function providerListing(gateway: CompiledGateway): Map<string, [Array<string | number>, string?]> {
  const at = new Map<string, [Array<string | number>, string?]>();
  for (const [provider, pc] of Object.entries(gateway.config.providers)) {
    const models = pc.models ?? [];
    if (Array.isArray(models)) models.forEach((m, i) => { if (!at.has(m)) at.set(m, [['providers', provider, 'models', i]]); });
    else for (const m of Object.keys(models)) if (!at.has(m)) at.set(m, [['providers', provider, 'models'], m]);
  }
  return at;
}
