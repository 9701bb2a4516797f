// A key's lane to a model, compiled once per gateway snapshot × key × model: the failover plan the key may
// use (its model allowlist and its group's providers applied), the group's multiplier and the models a
// reservation is priced at. Built on the key's first request for the model and reused by every later one
// until the snapshot (or, for a runtime key, the key itself) is replaced: the per-request work of resolving
// a model is three map lookups. A request pinned to a provider, or one that fails, is resolved the long way.

import type { CompiledGateway, CompiledKey, CompiledModel } from '../compile/types.ts';
import { modelAllowed } from './authenticate.ts';
import { planTiers } from './failover.ts';
import { restrictPlan } from './provider-access.ts';
import { type Plan, modelsOf, planForKey } from './reservation.ts';

export interface Lane {
  readonly gw: CompiledGateway;
  readonly model: CompiledModel;
  /** Tiers this key may try, fallbacks included, restricted to its group's providers. */
  readonly plan: Plan;
  /** The group's price multiplier. */
  readonly multiplier: number;
  /** The distinct models of the plan: the reservation is the dearest of them. */
  readonly priced: readonly CompiledModel[];
}

/**
 * Lanes per snapshot, then per key (keys are frozen and replaced, never mutated); a bounded map per key of
 * its models. Held by the snapshot, not the key: a runtime key outlives every reload, and a lane it used
 * once must not keep an old snapshot (its providers, plugins, catalogs) alive for as long as the key exists.
 */
const lanes = new WeakMap<CompiledGateway, WeakMap<CompiledKey, Map<string, Lane>>>();
const MODELS_PER_KEY = 1024;

/**
 * The lane of `key` to the model `name`, or undefined when there is none (an unknown model, one the key may
 * not use or not reach): the caller then resolves the request the long way, which says why.
 */
export function laneFor(gw: CompiledGateway, key: CompiledKey, name: string): Lane | undefined {
  let byKey = lanes.get(gw);
  let byModel = byKey?.get(key);
  const hit = byModel?.get(name);
  if (hit !== undefined) return hit;
  const model = gw.models.get(name);
  if (!model || !modelAllowed(key, name)) return undefined;
  let plan: Plan;
  try {
    plan = keyPlan(gw, key, model, undefined, `model "${name}"`);
  } catch {
    return undefined;
  }
  const lane: Lane = { gw, model, plan, multiplier: gw.groups.get(key.group)?.multiplier ?? 1, priced: modelsOf(gw, plan) };
  if (!byKey) lanes.set(gw, (byKey = new WeakMap()));
  if (!byModel) byKey.set(key, (byModel = new Map()));
  if (byModel.size >= MODELS_PER_KEY) byModel.clear();
  byModel.set(name, lane);
  return lane;
}

/**
 * The tiers `key` may try for `model`: its fallbacks filtered by the key's model allowlist (a fallback the
 * key may not use is never tried), then by its group's providers and the pinned provider, if any. Throws the
 * client's error when nothing is left (`what` names the request in it).
 */
export function keyPlan(gw: CompiledGateway, key: CompiledKey, model: CompiledModel, pin: string | undefined, what: string): Plan {
  return restrictPlan(planForKey(planTiers(gw, model), key), key, gw.groups.get(key.group), pin, what);
}
