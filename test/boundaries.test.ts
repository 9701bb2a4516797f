// Import boundaries (DESIGN §2): only src/http imports elysia, only src/upstream calls fetch, and
// adapters/ and plugins/ import nothing from the gateway but src/contracts (plus their own folders).

import { expect, test } from 'bun:test';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dir, '..');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'node_modules' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const importsOf = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);

test('only src/http imports elysia', () => {
  const offenders = [...files('src'), ...files('adapters'), ...files('plugins')].filter((f) => !f.startsWith('src/http/') && importsOf(f).includes('elysia'));
  expect(offenders).toEqual([]);
});

test('only src/upstream calls fetch', () => {
  const offenders = [...files('src'), ...files('adapters'), ...files('plugins')].filter((f) => {
    if (f.startsWith('src/upstream/')) return false;
    const code = readFileSync(join(ROOT, f), 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    return /(?<![.\w])fetch\s*\(/.test(code);
  });
  expect(offenders).toEqual([]);
});

// Plugins may also share an adapter's wire-types file (pure types and data, Web-standard only): the
// onebound adapter and the onebound-inbound plugin speak the same format.
test('adapters and plugins import only src/contracts, their own folder, another adapter, or wire types', () => {
  const offenders: string[] = [];
  for (const f of [...files('adapters'), ...files('plugins')]) {
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) {
        if (spec !== 'switchyard/plugin' && spec !== 'switchyard/adapter') offenders.push(`${f} -> ${spec}`);
        continue;
      }
      const target = relative(ROOT, resolve(ROOT, dirname(f), spec));
      const ok = target.startsWith('src/contracts/') || target.startsWith(dirname(f)) || (f.startsWith('adapters/') && target.startsWith('adapters/')) || (f.startsWith('plugins/') && (target.startsWith('plugins/') || /^adapters\/[^/]+\/wire-types\.ts$/.test(target)));
      if (!ok) offenders.push(`${f} -> ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
});
