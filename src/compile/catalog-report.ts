// What `switchyard validate` says about prices taken from the bundled catalog (price-catalog.json).

import { CATALOG_AS_OF } from './price-catalog.ts';
import type { CompiledGateway } from './types.ts';

export function catalogReport(gw: CompiledGateway): string[] {
  const lines: string[] = [];
  for (const name of gw.modelNames) {
    const source = gw.models.get(name)?.priceSource ?? 'none';
    if (source.startsWith('catalog:')) {
      lines.push(`note: model ${name} is priced from the price catalog (${source.slice('catalog:'.length)}, list prices as of ${CATALOG_AS_OF}); set models.${name}.price to override`);
    }
  }
  return lines;
}
