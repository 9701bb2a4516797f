// Finds adapters: built-in ids map to adapters/<id>/index.ts; `./path.ts` loads a user adapter
// (fresh on every compile, so saving the file reloads it).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Adapter } from '../contracts/adapter.ts';
import { importFresh } from './fresh-import.ts';

export const BUILTIN_ADAPTERS = ['openai', 'mock', 'anthropic', 'gemini', 'azure', 'onebound', 'ollama', 'bedrock', 'vertex'];

const ADAPTERS_DIR = fileURLToPath(new URL('../../adapters/', import.meta.url));

export async function loadAdapter(id: string, baseDir: string): Promise<{ adapter: Adapter; file?: string }> {
  if (BUILTIN_ADAPTERS.includes(id)) {
    const mod = (await import(resolve(ADAPTERS_DIR, id, 'index.ts'))) as { default: Adapter };
    return { adapter: mod.default };
  }
  const file = resolve(baseDir, id);
  const mod = (await importFresh(file)) as { default?: Adapter };
  const adapter = mod.default;
  if (!adapter || typeof adapter.buildRequest !== 'function' || typeof adapter.supports !== 'function') {
    throw new Error(`${id} does not default-export an adapter (use export default defineAdapter({...}))`);
  }
  return { adapter, file };
}
