// Which limit rules apply to a request: the key's own, its group's, the model's and the global one,
// read from the gateway snapshot the request started on (so a reload applies to the next request).

import type { CompiledGateway, CompiledKey, CompiledModel } from '../compile/types.ts';
import type { LimitSpec } from '../config/types.ts';
import type { LimitRule } from './rate-limiter.ts';

// Rules depend only on the snapshot, the key and the model: built once per combination, then reused.
const memo = new WeakMap<CompiledGateway, WeakMap<CompiledKey, Map<string, LimitRule[]>>>();

export function rulesFor(gw: CompiledGateway, key: CompiledKey, model?: CompiledModel): LimitRule[] {
  let byKey = memo.get(gw);
  if (!byKey) memo.set(gw, (byKey = new WeakMap()));
  let byModel = byKey.get(key);
  if (!byModel) byKey.set(key, (byModel = new Map()));
  let rules = byModel.get(model?.name ?? '');
  if (!rules) byModel.set(model?.name ?? '', (rules = buildRules(gw, key, model)));
  return rules;
}

function buildRules(gw: CompiledGateway, key: CompiledKey, model?: CompiledModel): LimitRule[] {
  const rules: LimitRule[] = [];
  const add = (scope: LimitRule['scope'], name: string, spec: LimitSpec | undefined, source: string) => {
    if (!spec || (spec.rpm === undefined && spec.tpm === undefined && spec.concurrency === undefined)) return;
    rules.push({ scope, name, rpm: spec.rpm, tpm: spec.tpm, concurrency: spec.concurrency, source });
  };
  add('key', key.name, key.limits, key.source === 'runtime' ? `the limits of runtime key "${key.name}" (PATCH /admin/keys/${key.name})` : `keys[name=${key.name}].limits in gateway.yaml`);
  const group = gw.groups.get(key.group);
  if (group) add('group', group.name, group.limits, `groups.${group.name}.limits in gateway.yaml`);
  if (model) add('model', model.name, model.limits, `limits.models.${model.name} in gateway.yaml`);
  add('global', '', gw.globalLimits, 'limits.global in gateway.yaml');
  return rules;
}
