// Finds adapters: built-in ids map to adapters/<id>/index.ts; `./path.ts` loads a user adapter from
// anywhere (fresh on every compile, so saving the file or a helper it imports reloads it).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Adapter } from '../contracts/adapter.ts';
import type { CodeLoad } from './fresh-import.ts';

export const BUILTIN_ADAPTERS = ['openai', 'mock', 'anthropic', 'gemini', 'azure', 'onebound'];

const ADAPTERS_DIR = fileURLToPath(new URL('../../adapters/', import.meta.url));

/** The file a non-built-in adapter id names (a path relative to the config file). */
export function adapterFile(id: string, baseDir: string): string | undefined {
  return BUILTIN_ADAPTERS.includes(id) ? undefined : resolve(baseDir, id);
}

export async function loadAdapter(id: string, baseDir: string, code: CodeLoad): Promise<{ adapter: Adapter; file?: string }> {
  if (BUILTIN_ADAPTERS.includes(id)) {
    const mod = (await import(resolve(ADAPTERS_DIR, id, 'index.ts'))) as { default: Adapter };
    return { adapter: mod.default };
  }
  const file = resolve(baseDir, id);
  const mod = (await code.import(file)) as { default?: Adapter };
  if (!code.runs) return { adapter: unchecked(id), file }; // validate: parsed and imports resolved, not run
  const adapter = mod.default;
  if (!adapter || typeof adapter.buildRequest !== 'function' || typeof adapter.supports !== 'function') {
    throw new Error(`${id} does not default-export an adapter (use export default defineAdapter({...}))`);
  }
  return { adapter, file };
}

/** What `validate` compiles against for a user adapter it did not run; never serves a request. */
function unchecked(id: string): Adapter {
  const fail = (): never => {
    throw new Error(`adapter ${id} was checked statically and cannot serve`);
  };
  return { id, supports: () => true, buildRequest: fail, decodeResponse: fail, decodeError: fail };
}
