// Loads plugins named in the config: a declared module path, or a bundled plugin from plugins/.
// Options are checked against the plugin's optionsSchema with ajv at load time.

import Ajv from 'ajv';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../contracts/canonical.ts';
import type { Plugin } from '../contracts/plugin.ts';
import type { GatewayConfig } from '../config/types.ts';
import { importFresh } from './fresh-import.ts';
import type { LoadedPlugin } from './types.ts';

const PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));
const DEFAULT_TIMEOUT_MS = 2000;

export function bundledPluginPath(name: string): string | undefined {
  for (const candidate of [resolve(PLUGINS_DIR, `${name}.ts`), resolve(PLUGINS_DIR, name, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A compile failure that knows which part of gateway.yaml caused it (for file:line:col reports). */
export class CompileError extends Error {
  constructor(message: string, readonly path: Array<string | number>) {
    super(message);
  }
}

export class PluginLoadError extends CompileError {}

/** Loads every plugin the config references, once each. Throws PluginLoadError with a clear message. */
export async function loadPlugins(config: GatewayConfig, baseDir: string): Promise<{ plugins: Map<string, LoadedPlugin>; files: string[] }> {
  const names = new Set<string>([...(config.global_plugins ?? [])]);
  for (const provider of Object.values(config.providers)) for (const n of provider.plugins ?? []) names.add(n);
  for (const route of config.routes ?? []) for (const n of route.plugins ?? []) names.add(n);

  const plugins = new Map<string, LoadedPlugin>();
  const files: string[] = [];
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const name of names) {
    const declared = config.plugins?.[name];
    const file = declared ? resolve(baseDir, declared.module) : bundledPluginPath(name);
    const at = declared ? ['plugins', name, 'module'] : ['plugins'];
    if (!file) throw new PluginLoadError(`plugin "${name}" is not declared and is not a bundled plugin`, at);
    let mod: Record<string, unknown>;
    try {
      mod = await importFresh(file);
    } catch (err) {
      throw new PluginLoadError(`plugin "${name}" (${file}) failed to load: ${(err as Error).message}`, at);
    }
    const plugin = mod.default as Plugin<JsonObject> | undefined;
    if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string') {
      throw new PluginLoadError(`plugin "${name}" (${file}) does not default-export a plugin (use export default definePlugin({...}))`, at);
    }
    const options = (declared?.options ?? {}) as JsonObject;
    if (plugin.optionsSchema) {
      const validate = ajv.compile(plugin.optionsSchema);
      if (!validate(options)) {
        const detail = (validate.errors ?? []).map((e) => `${e.instancePath || 'options'} ${e.message}`).join('; ');
        throw new PluginLoadError(`plugin "${name}" options are invalid: ${detail}`, declared ? ['plugins', name, 'options'] : at);
      }
    }
    files.push(file);
    plugins.set(name, {
      name,
      plugin,
      options,
      failOpen: declared?.fail_open ?? false,
      timeoutMs: declared?.timeout_ms ?? plugin.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }
  return { plugins, files };
}
