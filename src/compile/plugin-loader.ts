// Loads plugins named in the config: a declared module path (anywhere; relative to the config file), or
// a bundled plugin from plugins/ (a plain name, never a path: `../../x` does not leave plugins/), listed by
// its own name or declared under another one as `module: <bundled name>` (to give it options).
// Options are checked against the plugin's optionsSchema with ajv at load time, and every place a plugin
// is listed must be one where at least one of its hooks runs (see plugin-scope.ts).

import Ajv from 'ajv';
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../contracts/canonical.ts';
import type { Plugin } from '../contracts/plugin.ts';
import type { GatewayConfig } from '../config/types.ts';
import type { CodeLoad } from './fresh-import.ts';
import { checkPluginScopes } from './plugin-scope.ts';
import type { LoadedPlugin } from './types.ts';

const PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));
const DEFAULT_TIMEOUT_MS = 2000;
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** The bundled plugin `name` names, if any: only plain names, and only files inside plugins/. */
export function bundledPluginPath(name: string): string | undefined {
  if (!PLAIN_NAME.test(name)) return undefined;
  for (const candidate of [resolve(PLUGINS_DIR, `${name}.ts`), resolve(PLUGINS_DIR, name, 'index.ts')]) {
    if (candidate.startsWith(PLUGINS_DIR.endsWith(sep) ? PLUGINS_DIR : PLUGINS_DIR + sep) && existsSync(candidate)) return candidate;
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

/** Every plugin name the config lists (global_plugins, providers, routes), once each, in order. */
export function listedPluginNames(config: GatewayConfig): Set<string> {
  const names = new Set<string>([...(config.global_plugins ?? [])]);
  for (const provider of Object.values(config.providers)) for (const n of provider.plugins ?? []) names.add(n);
  for (const route of config.routes ?? []) for (const n of route.plugins ?? []) names.add(n);
  return names;
}

/** Where plugin `name`'s code is and which config path to blame, or a PluginLoadError. */
export function locatePlugin(config: GatewayConfig, name: string, baseDir: string): { file: string; at: Array<string | number>; bundled: boolean } {
  const declared = config.plugins?.[name];
  if (declared) {
    // `module: code-msg-envelope` (a plain name, not a path): a bundled plugin under another name, with its
    // own options, from wherever gateway.yaml lives.
    const bundledFile = bundledPluginPath(declared.module);
    if (bundledFile) return { file: bundledFile, at: ['plugins', name, 'module'], bundled: true };
    return { file: resolve(baseDir, declared.module), at: ['plugins', name, 'module'], bundled: false };
  }
  const file = bundledPluginPath(name);
  if (file) return { file, at: ['plugins'], bundled: true };
  const hint = PLAIN_NAME.test(name) ? '' : ' Plugin names are names, not paths: to load a file, declare it as plugins.<name>.module: ./path/to/plugin.ts.';
  throw new PluginLoadError(`plugin "${name}" is not declared and is not a bundled plugin.${hint}`, ['plugins']);
}

/** Loads every plugin the config references, once each. Throws PluginLoadError with a clear message. */
export async function loadPlugins(config: GatewayConfig, baseDir: string, code: CodeLoad): Promise<{ plugins: Map<string, LoadedPlugin> }> {
  const plugins = new Map<string, LoadedPlugin>();
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const name of listedPluginNames(config)) {
    const declared = config.plugins?.[name];
    const { file, at, bundled } = locatePlugin(config, name, baseDir);
    let mod: Record<string, unknown>;
    try {
      // validate (code.runs false) imports only the bundled plugins shipped with the gateway.
      mod = bundled && !code.runs ? ((await import(file)) as Record<string, unknown>) : await code.import(file);
    } catch (err) {
      throw new PluginLoadError(`plugin "${name}" (${file}) failed to load: ${(err as Error).message}`, at);
    }
    if (!code.runs && !bundled) continue; // parsed and its imports resolved; options and hooks are checked at load
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
    plugins.set(name, {
      name,
      plugin,
      options,
      failOpen: declared?.fail_open ?? false,
      timeoutMs: declared?.timeout_ms ?? plugin.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }
  const problem = checkPluginScopes(config, plugins);
  if (problem) throw new PluginLoadError(problem.message, problem.at);
  return { plugins };
}
