// Runs plugin hooks in config order with isolation: a time budget per async hook, thrown errors
// turned into 500 plugin_error naming the plugin (no stack), or skipped when the plugin fails open.
// A GatewayError thrown on purpose by a plugin (e.g. an upstream envelope error) passes through.

import type { JsonObject, JsonValue } from '../contracts/canonical.ts';
import { GatewayError, isGatewayError } from '../contracts/errors.ts';
import type { PluginContext, PluginHooks } from '../contracts/plugin.ts';
import type { LoadedPlugin } from '../compile/types.ts';
import type { Logger } from '../log.ts';
import { redact } from '../upstream/redact.ts';

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

type HookName = keyof PluginHooks;

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
    if (stop?.(result)) return { value: current, stopped: result };
    current = result as T;
  }
  return { value: current };
}

/** Calls one hook with the plugin's time budget and error isolation. */
export async function guard<R>(lp: LoadedPlugin, hook: string, scope: HookScope, fn: () => R | Promise<R>): Promise<R | undefined> {
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
    const timedOut = err instanceof PluginTimeout;
    const detail = timedOut ? `did not finish within ${lp.timeoutMs} ms` : `threw: ${redact(String((err as Error)?.message ?? err), scope.secrets)}`;
    scope.log.error('plugin failed', { plugin: lp.name, hook, request_id: scope.requestId, detail, fail_open: lp.failOpen });
    if (lp.failOpen) return undefined;
    throw new GatewayError({
      status: 500, // DESIGN §5: a plugin failure is the gateway's fault (500), whether it threw or hung
      type: 'api_error',
      code: timedOut ? 'plugin_timeout' : 'plugin_error',
      message: `Plugin "${lp.name}" ${detail.split('\n')[0]} (in ${hook}). The gateway operator should fix the plugin or set plugins.${lp.name}.fail_open.`,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a synchronous per-chunk hook chain; returns null when a plugin drops the chunk. */
export function runSyncChain<T>(
  plugins: readonly LoadedPlugin[], scope: HookScope, value: T,
  call: (hooks: PluginHooks<JsonObject>, value: T, ctx: PluginContext<JsonObject>) => T | null | void | undefined,
  contexts?: readonly PluginContext<JsonObject>[],
): T | null {
  let current = value;
  for (const [i, lp] of plugins.entries()) {
    try {
      const out = call(lp.plugin, current, contexts?.[i] ?? pluginContext(lp, scope));
      if (out === null) return null;
      if (out !== undefined) current = out;
    } catch (err) {
      if (isGatewayError(err)) throw err;
      scope.log.error('plugin failed', { plugin: lp.name, hook: 'onStreamEvent', request_id: scope.requestId, detail: redact(String((err as Error)?.message ?? err), scope.secrets) });
      if (lp.failOpen) continue;
      throw new GatewayError({ status: 500, type: 'api_error', code: 'plugin_error', message: `Plugin "${lp.name}" threw in onStreamEvent.` });
    }
  }
  return current;
}

class PluginTimeout extends Error {}
