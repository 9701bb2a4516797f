// Finds adapters: built-in ids map to adapters/<id>/index.ts; OpenAI-compatible vendor presets
// (adapters/openai/presets.json) are the openai adapter with the vendor's defaults; `./path.ts`
// loads a user adapter from anywhere (fresh on every compile, so saving the file or a helper it
// imports reloads it).

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Adapter } from '../contracts/adapter.ts';
import type { CodeLoad } from './fresh-import.ts';
import presetsData from '../../adapters/openai/presets.json' with { type: 'json' };

/** Adapters with their own folder under adapters/. */
export const NATIVE_ADAPTERS = ['openai', 'mock', 'anthropic', 'gemini', 'azure', 'onebound', 'coze', 'cohere', 'deepl', 'ollama', 'bedrock', 'vertex'];

/** OpenAI-compatible vendor presets (data in adapters/openai/presets.json). */
export const PRESET_ADAPTERS = Object.keys(presetsData).filter((id) => !id.startsWith('$'));

export const BUILTIN_ADAPTERS = [...NATIVE_ADAPTERS, ...PRESET_ADAPTERS];

const ADAPTERS_DIR = fileURLToPath(new URL('../../adapters/', import.meta.url));

export async function loadAdapter(id: string, baseDir: string, code: CodeLoad): Promise<{ adapter: Adapter; file?: string }> {
  if (NATIVE_ADAPTERS.includes(id)) {
    const mod = (await import(resolve(ADAPTERS_DIR, id, 'index.ts'))) as { default: Adapter };
    return { adapter: mod.default };
  }
  if (PRESET_ADAPTERS.includes(id)) {
    const mod = (await import(resolve(ADAPTERS_DIR, 'openai', 'preset.ts'))) as typeof import('../../adapters/openai/preset.ts');
    return { adapter: mod.presetAdapter(id, mod.PRESETS[id]) };
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
