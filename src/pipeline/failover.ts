// The failover loop: walks priority tiers (weighted order inside a tier), then fallback models,
// skipping open circuit breakers, retrying only retryable errors and only before the first byte
// reached the client. Each attempt is recorded for the ledger.

import { GatewayError, isGatewayError } from '../contracts/errors.ts';
import type { CompiledGateway, CompiledModel, RoutingPolicy, Target } from '../compile/types.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import { attemptTarget } from './attempt.ts';
import type { AttemptResult, Exchange, InboundCall } from './types.ts';
import { ClientGone } from '../upstream/call.ts';

export interface FailoverDeps {
  breakers: CircuitBreakers;
}

/** Tiers to try for a model: its own tiers, then each fallback's tiers (cycle-safe). */
type Plan = Array<{ model: string; targets: readonly Target[] }>;
const plans = new WeakMap<CompiledModel, Plan>();

/** Tiers to try for a model (memoised per compiled model, so per config version). */
export function planTiers(gw: CompiledGateway, model: CompiledModel): Plan {
  let plan = plans.get(model);
  if (!plan) plans.set(model, (plan = buildPlan(gw, model)));
  return plan;
}

function buildPlan(gw: CompiledGateway, model: CompiledModel): Plan {
  const plan: Array<{ model: string; targets: readonly Target[] }> = [];
  const seen = new Set<string>();
  const visit = (m: CompiledModel) => {
    if (seen.has(m.name)) return;
    seen.add(m.name);
    for (const tier of m.tiers) plan.push({ model: m.name, targets: tier });
    for (const f of m.fallbacks) {
      const next = gw.models.get(f);
      if (next) visit(next);
    }
  };
  visit(model);
  return plan;
}

/** Weighted random order without replacement (weight 0 targets go last). */
export function weightedOrder(targets: readonly Target[], random = Math.random): Target[] {
  if (targets.length <= 1) return [...targets];
  const pool = [...targets];
  const out: Target[] = [];
  while (pool.length) {
    const total = pool.reduce((n, t) => n + t.weight, 0);
    let index = 0;
    if (total > 0) {
      let r = random() * total;
      index = pool.findIndex((t) => (r -= t.weight) < 0);
      if (index < 0) index = pool.length - 1;
    }
    out.push(pool.splice(index, 1)[0]);
  }
  return out;
}

export function isRetryable(err: GatewayError, policy: RoutingPolicy): boolean {
  if (!err.retryable) return false;
  if (err.code === 'upstream_auth_failed' || err.cause === undefined) return true;
  return policy.retryOn.has(err.cause);
}

export async function runWithFailover(ex: Exchange, call: InboundCall, plan: Array<{ model: string; targets: readonly Target[] }>, deps: FailoverDeps): Promise<AttemptResult> {
  const policy = ex.gw.routing;
  const maxTries = 1 + policy.retries;
  let lastError: GatewayError | undefined;
  let soonestMs = Infinity;
  for (const tier of plan) {
    for (const target of weightedOrder(tier.targets)) {
      if (ex.attempts.length >= maxTries) break;
      if (!target.provider.adapter.supports(call.operation)) continue;
      if (!deps.breakers.tryAcquire(target.breakerKey)) {
        soonestMs = Math.min(soonestMs, deps.breakers.waitMs(target.breakerKey));
        continue;
      }
      const startedAt = Date.now();
      try {
        const result = await attemptTarget(ex, call, target);
        deps.breakers.success(target.breakerKey);
        ex.answeredModel = tier.model || undefined;
        ex.attempts.push({ provider: target.provider.name, upstreamModel: target.upstreamModel, status: 200, latencyMs: Date.now() - startedAt, startedAt });
        return result;
      } catch (err) {
        // A client that left is nobody's fault: it must not count against the provider's breaker.
        if (err instanceof ClientGone || ex.signal.aborted) {
          deps.breakers.release(target.breakerKey);
          throw err instanceof ClientGone ? err : new ClientGone();
        }
        if (!isGatewayError(err)) {
          // An adapter that threw on this request is not an upstream fault either: no breaker, no retry.
          deps.breakers.release(target.breakerKey);
          throw new GatewayError({
            status: 500, type: 'api_error', code: 'adapter_error',
            message: `The ${target.provider.adapter.id} adapter of provider "${target.provider.name}" could not translate this request or its reply. Quote request id ${ex.id} to the gateway operator.`,
          });
        }
        const gwErr = err;
        const upstreamStatus = typeof gwErr.cause === 'number' ? gwErr.cause : gwErr.status;
        ex.attempts.push({ provider: target.provider.name, upstreamModel: target.upstreamModel, status: upstreamStatus, errorCode: gwErr.code, latencyMs: Date.now() - startedAt, startedAt });
        const upstreamFault = gwErr.type === 'upstream_error';
        if (upstreamFault) deps.breakers.failure(target.breakerKey, policy.breakerFailures, policy.breakerCooldownMs, gwErr.cause === 429 ? gwErr.retryAfterMs : undefined);
        else deps.breakers.release(target.breakerKey);
        lastError = gwErr;
        if (!isRetryable(gwErr, policy)) throw gwErr;
      }
    }
  }
  if (lastError) throw lastError;
  const modelName = call.model ?? 'this request';
  if (soonestMs !== Infinity) {
    throw new GatewayError({
      status: 502, type: 'upstream_error', code: 'upstream_error', retryAfterMs: soonestMs,
      message: `Every provider for ${modelName} is temporarily unavailable (circuit open after repeated failures). Retry in ${Math.ceil(soonestMs / 1000)} s.`,
    });
  }
  throw new GatewayError({
    status: 400, type: 'invalid_request_error', code: 'unsupported_operation', param: 'model',
    message: `No provider of ${modelName} supports ${call.method} ${call.path}. Use a model whose provider serves this endpoint.`,
  });
}
