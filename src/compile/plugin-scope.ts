// Where each hook runs, and the load-time check that no listing of a plugin is silently inert.
//
//   route scope (global_plugins, routes[].plugins): onRequest, onCanonicalRequest, onResponse, onError
//   provider scope (providers.X.plugins):           onUpstreamRequest, onUpstreamResponse, onUpstreamStreamEvent
//   both:                                           onStreamEvent
//
// A plugin listed where none of its hooks can run (a plugin with only onUpstreamRequest in
// global_plugins, one with only onResponse in providers.X.plugins) is rejected at load with a message
// saying where to list it. A plugin with hooks of both scopes (code-msg-envelope) does, at each place it
// is listed, the part that belongs there.

import type { JsonObject } from '../contracts/canonical.ts';
import type { Plugin, PluginHooks } from '../contracts/plugin.ts';
import type { GatewayConfig } from '../config/types.ts';
import type { LoadedPlugin } from './types.ts';

type Hook = keyof PluginHooks;
const ROUTE_HOOKS: readonly Hook[] = ['onRequest', 'onCanonicalRequest', 'onResponse', 'onError', 'onStreamEvent'];
const PROVIDER_HOOKS: readonly Hook[] = ['onUpstreamRequest', 'onUpstreamResponse', 'onUpstreamStreamEvent', 'onStreamEvent'];
const ALL_HOOKS: readonly Hook[] = [...new Set([...ROUTE_HOOKS, ...PROVIDER_HOOKS])];

const hooksOf = (plugin: Plugin<JsonObject>): Hook[] => ALL_HOOKS.filter((h) => typeof plugin[h] === 'function');

export function checkPluginScopes(config: GatewayConfig, plugins: ReadonlyMap<string, LoadedPlugin>): { message: string; at: Array<string | number> } | undefined {
  const check = (name: string, scope: 'route' | 'provider', at: Array<string | number>, place: string) => {
    const lp = plugins.get(name);
    if (!lp) return undefined;
    const hooks = hooksOf(lp.plugin);
    const runnable = scope === 'route' ? ROUTE_HOOKS : PROVIDER_HOOKS;
    if (hooks.some((h) => runnable.includes(h))) return undefined;
    if (hooks.length === 0) return { message: `plugin "${name}" (listed in ${place}) defines no hooks, so it would do nothing; export definePlugin({ name, onRequest(...) {...}, ... })`, at };
    const where = scope === 'route'
      ? `its hooks (${hooks.join(', ')}) run only for providers: list it under providers.<name>.plugins instead of ${place}`
      : `its hooks (${hooks.join(', ')}) run only on routes: list it under global_plugins or routes[].plugins instead of ${place}`;
    return { message: `plugin "${name}" would never run in ${place}: ${where}`, at };
  };
  for (const [i, name] of (config.global_plugins ?? []).entries()) {
    const p = check(name, 'route', ['global_plugins', i], 'global_plugins');
    if (p) return p;
  }
  for (const [ri, route] of (config.routes ?? []).entries()) {
    for (const [i, name] of (route.plugins ?? []).entries()) {
      const p = check(name, 'route', ['routes', ri, 'plugins', i], `routes[${ri}].plugins (${route.path})`);
      if (p) return p;
    }
  }
  for (const [pname, provider] of Object.entries(config.providers)) {
    for (const [i, name] of (provider.plugins ?? []).entries()) {
      const p = check(name, 'provider', ['providers', pname, 'plugins', i], `providers.${pname}.plugins`);
      if (p) return p;
    }
  }
  return undefined;
}
