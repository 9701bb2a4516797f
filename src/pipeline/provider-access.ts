// Which providers a call may reach: the key's group may be restricted to some providers
// (groups.<name>.providers, One API's channel groups), and a key with can_pin may pin one request to
// one provider with the `x-switchyard-provider` header or a `<key>-<provider>` suffix (to test a channel;
// authenticate.ts reads the suffix). Both narrow the failover
// plan; without either the compiled plan is used as is (no allocation on the hot path).

import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGateway, CompiledGroup, CompiledKey, Target } from '../compile/types.ts';
import { planTiers } from './failover.ts';

type Plan = Array<{ model: string; targets: readonly Target[] }>;

export function restrictPlan(plan: Plan, key: CompiledKey, group: CompiledGroup | undefined, pin: string | undefined, what: string): Plan {
  const allowed = group?.providers;
  if (!allowed && pin === undefined) return plan;
  if (pin !== undefined) {
    if (!key.canPin) {
      throw new GatewayError({
        status: 403, type: 'permission_error', code: 'pin_not_allowed',
        message: `The API key "${key.name}" may not pin requests to a provider (x-switchyard-provider). Send the request without that header, or ask this gateway's operator for a key with can_pin: true.`,
      });
    }
    if (allowed && !allowed.has(pin)) {
      throw new GatewayError({
        status: 403, type: 'permission_error', code: 'provider_not_allowed',
        message: `The API key "${key.name}" (group ${group!.name}) may not reach provider "${pin}". Its group may use: ${[...allowed].join(', ')}.`,
      });
    }
  }
  const keep = (t: Target) => (pin === undefined || t.provider.name === pin) && (!allowed || allowed.has(t.provider.name));
  const narrowed = plan.map((tier) => ({ model: tier.model, targets: tier.targets.filter(keep) })).filter((tier) => tier.targets.length > 0);
  if (narrowed.length > 0) return narrowed;
  if (pin !== undefined) {
    throw new GatewayError({
      status: 400, type: 'invalid_request_error', code: 'provider_not_serving', param: 'x-switchyard-provider',
      message: `No provider named "${pin}" serves ${what} on this gateway. Pin one of the providers that serve it, or drop the pin (the x-switchyard-provider header or the key's "-<provider>" suffix).`,
    });
  }
  throw new GatewayError({
    status: 403, type: 'permission_error', code: 'provider_not_allowed',
    message: `The API key "${key.name}" (group ${group!.name}) may not reach any provider that serves ${what}. Ask this gateway's operator to add one to groups.${group!.name}.providers.`,
  });
}

/** May the key's group reach some provider of this model (its own targets or its fallbacks')? */
export function modelReachable(gw: CompiledGateway, key: CompiledKey, name: string): boolean {
  const allowed = gw.groups.get(key.group)?.providers;
  const model = gw.models.get(name);
  if (!allowed || !model) return true;
  return planTiers(gw, model).some((tier) => tier.targets.some((t) => allowed.has(t.provider.name)));
}
