// Semantic checks the schema cannot express: unknown adapters, dangling provider / model / plugin /
// group names, duplicate key names or key values, and models nobody serves. They run even when the
// schema rejected the file (so one pass reports everything), hence every read is type-guarded. Values
// are shown through `shown`, which names a `${VAR}` instead of printing what it holds.

import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { BUILTIN_ADAPTERS } from '../compile/adapter-registry.ts';
import { bundledPluginPath } from '../compile/plugin-loader.ts';
import { workerProblems } from '../cluster/config-check.ts';
import { PROTOCOLS } from '../protocols/index.ts';
import { BALANCE_KINDS, defaultKind } from '../ops/balance-kinds.ts';
import { hint } from './did-you-mean.ts';
import { GROUP_ACCOUNT_PREFIX } from '../store/spend-accounts.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate, shown } from './yaml-source.ts';

type Path = Array<string | number>;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (v: unknown): Array<[string, Record<string, unknown>]> =>
  isObject(v) ? Object.entries(v).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])) : [];
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const BALANCE_FIELDS = ['kind', 'every_ms', 'warn_below', 'currency', 'api_key'];
const strings = (v: unknown): string[] => list(v).filter((s): s is string => typeof s === 'string');

export function semanticProblems(file: string, source: ParsedSource, config: GatewayConfig, baseDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: Path, message: string, keyOf?: string) => problems.push({ file, ...locate(source, path, keyOf), message });
  const show = (path: Path, value: unknown) => shown(source, path, value);
  const root = config as unknown as Record<string, unknown>;

  const providers = entries(root.providers);
  const providerNames = new Set(isObject(root.providers) ? Object.keys(root.providers) : []);
  const served = new Set<string>();
  for (const [name, provider] of providers) {
    const adapter = provider.adapter;
    const path = ['providers', name, 'adapter'];
    if (typeof adapter === 'string' && adapter) {
      if (adapter.startsWith('.') || isAbsolute(adapter)) {
        if (!existsSync(resolve(baseDir, adapter))) at(path, `adapter file ${show(path, adapter)} does not exist (paths are relative to the config file)`);
      } else if (!BUILTIN_ADAPTERS.includes(adapter)) {
        at(path, `unknown adapter ${show(path, adapter)} for provider ${name}${hint(adapter, BUILTIN_ADAPTERS)}; built-in adapters are ${BUILTIN_ADAPTERS.join(', ')}, or give a path like ./adapters/my-vendor.ts`);
      }
    }
    const models = provider.models;
    for (const model of Array.isArray(models) ? strings(models) : isObject(models) ? Object.keys(models) : []) served.add(model);
    strings(provider.plugins).forEach((plugin, i) => checkPlugin(plugin, ['providers', name, 'plugins', i]));
    const balance = provider.balance;
    // The schema leaves the block open so an unknown field is named here, at its key, with a "did you mean".
    for (const field of isObject(balance) ? Object.keys(balance) : []) {
      if (!BALANCE_FIELDS.includes(field)) at(['providers', name, 'balance'], `unknown field "${field}" in providers.${name}.balance${hint(field, BALANCE_FIELDS)}; accepted: ${BALANCE_FIELDS.join(', ')}`, field);
    }
    if ((balance === true || (isObject(balance) && balance.kind === undefined)) && typeof adapter === 'string' && adapter && !defaultKind(adapter)) {
      at(['providers', name, 'balance'], `adapter ${adapter} has no default balance check; set providers.${name}.balance.kind to one of ${BALANCE_KINDS.join(', ')} (the vendor API to read), or remove balance`);
    }
  }

  const modelBlocks = entries(root.models);
  const modelNames = new Set([...served, ...(isObject(root.models) ? Object.keys(root.models) : [])]);
  for (const [name, model] of modelBlocks) {
    const targets = list(model.targets);
    targets.forEach((target, i) => {
      const provider = isObject(target) ? target.provider : undefined;
      const path = ['models', name, 'targets', i, 'provider'];
      if (typeof provider === 'string' && !providerNames.has(provider)) {
        at(path, `model ${name} targets unknown provider ${show(path, provider)}${hint(provider, [...providerNames])}; declared providers: ${[...providerNames].join(', ')}`);
      }
    });
    if (!targets.length && !served.has(name)) {
      at(['models', name], `model ${name} has no targets and no provider lists it in its models; add targets or list it under a provider`);
    }
    strings(model.fallbacks).forEach((fallback, i) => {
      const path = ['models', name, 'fallbacks', i];
      if (!modelNames.has(fallback)) at(path, `model ${name} falls back to unknown model ${show(path, fallback)}${hint(fallback, [...modelNames])}`);
      if (fallback === name) at(path, `model ${name} lists itself as a fallback`);
    });
  }

  const groups = new Set(['default', ...(isObject(root.groups) ? Object.keys(root.groups) : [])]);
  const keyNames = new Map<string, number>();
  const keyValues = new Map<string, number>();
  list(root.keys).forEach((key, i) => {
    if (!isObject(key)) return;
    const label = typeof key.name === 'string' ? show(['keys', i, 'name'], key.name) : `keys[${i}]`;
    if (typeof key.name === 'string') {
      if (keyNames.has(key.name)) at(['keys', i, 'name'], `duplicate key name ${label} (also keys[${keyNames.get(key.name)}]); key names must be unique`);
      else keyNames.set(key.name, i);
      if (key.name.startsWith(GROUP_ACCOUNT_PREFIX)) at(['keys', i, 'name'], `key name ${label} starts with "${GROUP_ACCOUNT_PREFIX}", which is reserved for the spend of group budgets (groups.<name>.budget); rename the key`);
    }
    const value = typeof key.key === 'string' ? key.key : typeof key.key_sha256 === 'string' ? key.key_sha256 : '';
    if (value && keyValues.has(value)) at(['keys', i], `key ${label} has the same key value as keys[${keyValues.get(value)}]; every key must be distinct`);
    else if (value) keyValues.set(value, i);
    if (typeof key.group === 'string' && !groups.has(key.group)) {
      at(['keys', i, 'group'], `key ${label} uses unknown group ${show(['keys', i, 'group'], key.group)}${hint(key.group, [...groups])}; declared groups: ${[...groups].join(', ')}`);
    }
    if (typeof key.key === 'string' && key.key.length < 8) at(['keys', i, 'key'], `key ${label} is shorter than 8 characters; use a long random value`);
  });

  const limits = isObject(root.limits) ? root.limits : {};
  for (const name of isObject(limits.models) ? Object.keys(limits.models) : []) {
    if (!modelNames.has(name)) at(['limits', 'models', name], `limits.models names unknown model "${name}"${hint(name, [...modelNames])}`);
  }
  const routing = isObject(root.routing) ? root.routing : {};
  const healthModel = isObject(routing.health_check) ? routing.health_check.model : undefined;
  if (typeof healthModel === 'string' && !modelNames.has(healthModel)) {
    at(['routing', 'health_check', 'model'], `routing.health_check.model names unknown model "${healthModel}"${hint(healthModel, [...modelNames])}; use a served model name or leave it out to check every target`);
  }
  strings(root.global_plugins).forEach((plugin, i) => checkPlugin(plugin, ['global_plugins', i]));
  list(root.routes).forEach((route, i) => {
    if (!isObject(route)) return;
    const protocol = route.protocol;
    if (typeof protocol === 'string' && !(PROTOCOLS as readonly string[]).includes(protocol)) {
      at(['routes', i, 'protocol'], `protocol ${show(['routes', i, 'protocol'], protocol)} is not served by this build of the gateway; available: ${PROTOCOLS.join(', ')}`);
    }
    strings(route.plugins).forEach((plugin, j) => checkPlugin(plugin, ['routes', i, 'plugins', j]));
  });
  for (const [name, plugin] of entries(root.plugins)) {
    const path = ['plugins', name, 'module'];
    if (typeof plugin.module === 'string' && !bundledPluginPath(plugin.module) && !existsSync(resolve(baseDir, plugin.module))) {
      at(path, `plugin module ${show(path, plugin.module)} does not exist (paths are relative to the config file; a bundled plugin is named plainly, e.g. code-msg-envelope)`);
    }
  }
  for (const p of workerProblems(config)) at(p.path, p.message);
  const origins = isObject(root.server) && isObject(root.server.cors) ? strings(root.server.cors.allow_origins) : [];
  if (origins.length > 1 && origins.includes('*')) {
    at(['server', 'cors', 'allow_origins', origins.indexOf('*')], '"*" allows every origin, so the other entries mean nothing; list "*" alone, or only the origins you mean');
  }
  if (config.server?.client_ip_header !== undefined && !config.server.trust_proxy) {
    at(['server', 'client_ip_header'], 'server.client_ip_header is read only behind a trusted proxy: set server.trust_proxy to your proxies\' addresses (or true), or remove client_ip_header');
  }
  return problems;

  function checkPlugin(name: string, path: Path): void {
    if (isObject(root.plugins) && isObject(root.plugins[name])) return;
    if (bundledPluginPath(name)) return;
    const declared = isObject(root.plugins) ? Object.keys(root.plugins) : [];
    at(path, `unknown plugin ${show(path, name)}${hint(name, declared)}; declare it under plugins: with a module path, or use a bundled plugin`);
  }
}
