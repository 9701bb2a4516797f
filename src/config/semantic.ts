// Semantic checks the schema cannot express: unknown adapters, dangling provider / model / plugin /
// group names, duplicate key names or key values, and models nobody serves.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_ADAPTERS } from '../compile/adapter-registry.ts';
import { bundledPluginPath } from '../compile/plugin-loader.ts';
import { workerProblems } from '../cluster/config-check.ts';
import { PROTOCOLS } from '../protocols/index.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate } from './yaml-source.ts';

export function semanticProblems(file: string, source: ParsedSource, config: GatewayConfig, baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: Array<string | number>, message: string, keyOf?: string) => problems.push({ file, ...locate(source, path, keyOf), message });

  const providerNames = new Set(Object.keys(config.providers));
  const served = new Set<string>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const adapter = provider.adapter;
    if (adapter.startsWith('.') || isAbsolute(adapter)) {
      if (!existsSync(resolve(baseDir, adapter))) at(['providers', name, 'adapter'], `adapter file ${adapter} does not exist (paths are relative to the config file)`);
    } else if (!BUILTIN_ADAPTERS.includes(adapter)) {
      at(['providers', name, 'adapter'], `unknown adapter "${adapter}" for provider ${name}; built-in adapters are ${BUILTIN_ADAPTERS.join(', ')}, or give a path like ./adapters/my-vendor.ts`);
    }
    const models = provider.models ?? [];
    for (const model of Array.isArray(models) ? models : Object.keys(models)) served.add(model);
    for (const plugin of provider.plugins ?? []) checkPlugin(plugin, ['providers', name, 'plugins']);
  }

  const modelNames = new Set([...served, ...Object.keys(config.models ?? {})]);
  for (const [name, model] of Object.entries(config.models ?? {})) {
    (model.targets ?? []).forEach((target, i) => {
      if (!providerNames.has(target.provider)) at(['models', name, 'targets', i, 'provider'], `model ${name} targets unknown provider "${target.provider}"; declared providers: ${[...providerNames].join(', ')}`);
    });
    if (!model.targets?.length && !served.has(name)) {
      at(['models', name], `model ${name} has no targets and no provider lists it in its models; add targets or list it under a provider`);
    }
    (model.fallbacks ?? []).forEach((fallback, i) => {
      if (!modelNames.has(fallback)) at(['models', name, 'fallbacks', i], `model ${name} falls back to unknown model "${fallback}"`);
      if (fallback === name) at(['models', name, 'fallbacks', i], `model ${name} lists itself as a fallback`);
    });
  }

  const groups = new Set(['default', ...Object.keys(config.groups ?? {})]);
  const keyNames = new Map<string, number>();
  const keyValues = new Map<string, number>();
  (config.keys ?? []).forEach((key, i) => {
    if (keyNames.has(key.name)) at(['keys', i, 'name'], `duplicate key name "${key.name}" (also keys[${keyNames.get(key.name)}]); key names must be unique`);
    else keyNames.set(key.name, i);
    const value = key.key ?? key.key_sha256 ?? '';
    if (value && keyValues.has(value)) at(['keys', i], `key "${key.name}" has the same key value as keys[${keyValues.get(value)}]; every key must be distinct`);
    else if (value) keyValues.set(value, i);
    if (key.group && !groups.has(key.group)) at(['keys', i, 'group'], `key "${key.name}" uses unknown group "${key.group}"; declared groups: ${[...groups].join(', ')}`);
    if (key.expires_at && Number.isNaN(Date.parse(key.expires_at))) at(['keys', i, 'expires_at'], `key "${key.name}" has an invalid expires_at; use an ISO date like 2027-06-30T00:00:00Z`);
    if (key.key !== undefined && key.key.length < 8) at(['keys', i, 'key'], `key "${key.name}" is shorter than 8 characters; use a long random value`);
  });

  for (const name of Object.keys(config.limits?.models ?? {})) {
    if (!modelNames.has(name)) at(['limits', 'models', name], `limits.models names unknown model "${name}"`);
  }
  (config.global_plugins ?? []).forEach((plugin) => checkPlugin(plugin, ['global_plugins']));
  (config.routes ?? []).forEach((route, i) => {
    if (!route.path.startsWith('/')) at(['routes', i, 'path'], `route path "${route.path}" must start with /`);
    if (route.protocol && !PROTOCOLS.includes(route.protocol)) at(['routes', i, 'protocol'], `protocol "${route.protocol}" is not served by this build of the gateway; available: ${PROTOCOLS.join(', ')}`);
    for (const plugin of route.plugins ?? []) checkPlugin(plugin, ['routes', i, 'plugins']);
  });
  for (const [name, plugin] of Object.entries(config.plugins ?? {})) {
    if (!existsSync(resolve(baseDir, plugin.module))) at(['plugins', name, 'module'], `plugin module ${plugin.module} does not exist (paths are relative to the config file)`);
  }
  for (const p of workerProblems(config)) at(p.path, p.message);
  return problems;

  function checkPlugin(name: string, path: Array<string | number>): void {
    if (config.plugins?.[name] || bundledPluginPath(name)) return;
    at(path, `unknown plugin "${name}"; declare it under plugins: with a module path, or use a bundled plugin`);
  }
}
