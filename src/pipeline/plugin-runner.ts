// Runs plugin hooks in config order with isolation: a time budget per async hook, thrown errors and
// unusable return values turned into 500 plugin_error naming the plugin, hook and request id (details
// only in the log, see plugin-failure.ts), or skipped when the plugin fails open.
// A GatewayError thrown on purpose by a plugin (e.g. an upstream envelope error) passes through.

import type { JsonObject, JsonValue } from '../contracts/canonical.ts';
import { isGatewayError } from '../contracts/errors.ts';
import type { PluginContext, PluginHooks } from '../contracts/plugin.ts';
import type { LoadedPlugin } from '../compile/types.ts';
import type { Logger } from '../log.ts';
import { invalidReturn, pluginFailure } from './plugin-failure.ts';

export interface HookScope {
  requestId: string;
  route: string;
  keyName?: string;
  group?: string;
  model?: string;
  provider?: string;
  signal: AbortSignal;
  log: Logger;
  secrets: readonly string[];
  /** Per-request, per-plugin state maps. */
  states: Map<string, Map<string, unknown>>;
}

export type HookName = keyof PluginHooks;

export function pluginContext(lp: LoadedPlugin, scope: HookScope): PluginContext<JsonObject> {
  let state = scope.states.get(lp.name);
  if (!state) scope.states.set(lp.name, (state = new Map()));
  const fields = (f?: Record<string, JsonValue>) => ({ plugin: lp.name, request_id: scope.requestId, ...(f as Record<string, string>) });
  return {
    requestId: scope.requestId,
    route: scope.route,
    keyName: scope.keyName,
    group: scope.group,
    model: scope.model,
    provider: scope.provider,
    options: lp.options,
    state,
    signal: scope.signal,
    log: {
      info: (m, f) => scope.log.info(m, fields(f)),
      warn: (m, f) => scope.log.warn(m, fields(f)),
      error: (m, f) => scope.log.error(m, fields(f)),
    },
  };
}

/**
 * Runs `hook` of each plugin in order, threading the value through. A hook returning undefined
 * leaves the value unchanged. `stop` lets a hook end the chain early (onRequest answering).
 */
export async function runChain<T>(
  plugins: readonly LoadedPlugin[], hook: HookName, value: T, scope: HookScope,
  call: (hooks: PluginHooks<JsonObject>, value: T, ctx: PluginContext<JsonObject>) => unknown,
  stop?: (value: unknown) => boolean,
): Promise<{ value: T; stopped?: unknown }> {
  let current = value;
  for (const lp of plugins) {
    const fn = lp.plugin[hook];
    if (typeof fn !== 'function') continue;
    const result = await guard(lp, hook, scope, () => call(lp.plugin, current, pluginContext(lp, scope)));
    if (result === undefined || result === null) continue;
    const invalid = invalidReturn(hook, result);
    if (invalid) {
      const failure = pluginFailure(lp, hook, scope, { invalid });
      if (lp.failOpen) continue;
      throw failure;
    }
    if (stop?.(result)) return { value: current, stopped: result };
    current = result as T;
  }
  return { value: current };
}

/** Calls one hook with the plugin's time budget and error isolation. */
export async function guard<R>(lp: LoadedPlugin, hook: HookName, scope: HookScope, fn: () => R | Promise<R>): Promise<R | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const out = fn();
    if (!(out instanceof Promise)) return out;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PluginTimeout()), lp.timeoutMs);
    });
    return await Promise.race([out, timeout]);
  } catch (err) {
    if (isGatewayError(err)) throw err;
    const failure = pluginFailure(lp, hook, scope, err instanceof PluginTimeout ? { timedOutMs: lp.timeoutMs } : { threw: err });
    if (lp.failOpen) return undefined;
    throw failure;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a synchronous per-chunk (or per-event) hook chain; returns null when a plugin drops the value. */
export function runSyncChain<T>(
  plugins: readonly LoadedPlugin[], scope: HookScope, value: T,
  call: (hooks: PluginHooks<JsonObject>, value: T, ctx: PluginContext<JsonObject>) => T | null | void | undefined,
  contexts?: readonly PluginContext<JsonObject>[],
  hook: 'onStreamEvent' | 'onUpstreamStreamEvent' = 'onStreamEvent',
): T | null {
  let current = value;
  for (const [i, lp] of plugins.entries()) {
    try {
      const out = call(lp.plugin, current, contexts?.[i] ?? pluginContext(lp, scope));
      if (out === null) return null;
      if (out === undefined) continue;
      const invalid = invalidReturn(hook, out);
      if (!invalid) current = out;
      else if (!lp.failOpen) throw pluginFailure(lp, hook, scope, { invalid });
      else pluginFailure(lp, hook, scope, { invalid });
    } catch (err) {
      if (isGatewayError(err)) throw err;
      const failure = pluginFailure(lp, hook, scope, { threw: err });
      if (lp.failOpen) continue;
      throw failure;
    }
  }
  return current;
}

class PluginTimeout extends Error {}
