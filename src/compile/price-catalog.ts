// The bundled price catalog (price-catalog.json, data only): public list prices of well-known models,
// used at compile time for a model whose gateway.yaml entry has no price. Looked up by the public
// name, then by each target's upstream name (also without a `vendor/` prefix, as OpenRouter names
// models); exact names win over `*` globs. A price in gateway.yaml always wins.

import type { PriceConfig } from '../config/types.ts';
import catalogData from './price-catalog.json' with { type: 'json' };

interface CatalogEntry extends PriceConfig {
  source?: string;
}

const models = (catalogData as { models: Record<string, CatalogEntry> }).models;
const exact = new Map(Object.entries(models).filter(([name]) => !name.includes('*')));
const globs = Object.entries(models)
  .filter(([name]) => name.includes('*'))
  .map(([name, entry]) => ({ re: new RegExp(`^${name.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'), name, entry }));

export const CATALOG_AS_OF: string = (catalogData as { as_of: string }).as_of;

export interface CatalogHit {
  /** The catalog entry that matched. */
  entry: string;
  price: PriceConfig;
}

function lookup(name: string): CatalogHit | undefined {
  for (const candidate of new Set([name, name.slice(name.lastIndexOf('/') + 1)])) {
    const hit = exact.get(candidate);
    if (hit) return { entry: candidate, price: strip(hit) };
  }
  for (const g of globs) if (g.re.test(name)) return { entry: g.name, price: strip(g.entry) };
  return undefined;
}

function strip({ source: _s, ...price }: CatalogEntry): PriceConfig {
  return price;
}

/** The catalog price for the first name (public, then upstream names) the catalog knows. */
export function catalogPrice(names: readonly string[]): CatalogHit | undefined {
  for (const name of names) {
    if (!name) continue;
    const hit = lookup(name);
    if (hit) return hit;
  }
  return undefined;
}
