// The failover loop: walks priority tiers (weighted order inside a tier), then fallback models,
// skipping open circuit breakers and full connection pools, retrying only retryable errors and only
// before the first byte reached the client. `retry.attempts` counts attempts, not targets: once every
// target had its turn, failed ones are tried again after a jittered backoff, and a rate-limited one
// after its Retry-After when that fits `retry.max_wait_ms`. Each attempt is recorded for the ledger.
// When every target is out because its circuit opened on the upstream's own overload (529 overloaded_error),
// the answer keeps the overload shape the client would have had from the upstream (503 upstream_overloaded,
// 529 overloaded_error on the Anthropic surface), so clients' overload handling keeps working.

import { GatewayError, errors, isGatewayError, isUpstreamOverload } from '../contracts/errors.ts';
import type { CompiledGateway, CompiledModel, RoutingPolicy, Target } from '../compile/types.ts';
import type { Logger } from '../log.ts';
import type { ConnectionGate } from '../upstream/connection-gate.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import { attemptTarget } from './attempt.ts';
import { type AttemptNote, describeAttempts, finalError, outcomeOf, overloaded, rateLimited } from './failure-report.ts';
import { backoffMs, sleep } from './retry-wait.ts';
import type { AttemptResult, Exchange, InboundCall } from './types.ts';
import { ClientGone } from '../upstream/call.ts';
import { CLIENT_GONE } from './finish.ts';

export interface FailoverDeps {
  breakers: CircuitBreakers;
  upstreamGate?: ConnectionGate;
  log?: Logger;
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

/** One target of the plan and what this request learnt about it. */
interface Candidate {
  readonly target: Target;
  readonly model: string;
  tries: number;
  /** When its last attempt failed (for the backoff). */
  failedAt: number;
  /** The last failure may be retried (per retry.on), or it was only parked by a Retry-After. */
  again: boolean;
  /** Its last outcome was a rate limit (a 429, a mapped vendor code, or a Retry-After park). */
  rateLimited: boolean;
  /** Out for the rest of this request (open circuit, no connection slot, probe taken elsewhere). */
  out: boolean;
}

export async function runWithFailover(ex: Exchange, call: InboundCall, plan: Array<{ model: string; targets: readonly Target[] }>, deps: FailoverDeps): Promise<AttemptResult> {
  const policy = ex.gw.routing;
  const maxTries = 1 + policy.retries;
  const modelName = call.model ?? 'this request';
  const candidates: Candidate[] = [];
  // Indexed loops: a for-of over these (compiled, mostly one-element) arrays kept failing the optimizing
  // compiler's in-bounds speculation at its end (an OSR exit on about one request in five; bench/README.md).
  for (let t = 0; t < plan.length; t++) {
    const tier = plan[t];
    const targets = tier.targets.length > 1 ? weightedOrder(tier.targets) : tier.targets;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      if (target.provider.adapter.supports(call.operation)) candidates.push({ target, model: tier.model, tries: 0, failedAt: 0, again: false, rateLimited: false, out: false });
    }
  }
  if (candidates.length === 0) {
    throw new GatewayError({
      status: 400, type: 'invalid_request_error', code: 'unsupported_operation', param: 'model',
      message: `No provider of ${modelName} supports ${call.method} ${call.path}. Use a model whose provider serves this endpoint.`,
    });
  }
  // What the attempts taught, for the final error (one object; the error path's helpers are module functions).
  const t: Tally = { ex, deps, candidates, modelName, notes: [], circuitWaitMs: Infinity, sawOverload: false };
  const notes = t.notes;
  let waited = 0;

  while (ex.attempts.length < maxTries) {
    const next = pickNext(candidates, deps.breakers, policy, waited);
    if (!next) break;
    const { candidate, waitMs } = next;
    const { target } = candidate;
    if (waitMs > 0) {
      await sleep(waitMs, ex.signal);
      waited += waitMs;
    }
    if (!deps.breakers.tryAcquire(target.breakerKey)) {
      const parked = deps.breakers.parkedMs(target.breakerKey);
      if (parked > 0 && candidate.tries === 0) {
        // Parked by an earlier 429's Retry-After: worth waiting for if that fits, like our own 429.
        candidate.rateLimited = candidate.again = true;
        candidate.tries = -1; // seen, not tried: pickNext offers it again only after the others
        candidate.failedAt = Date.now();
      } else {
        candidate.out = true;
        t.circuitWaitMs = Math.min(t.circuitWaitMs, deps.breakers.waitMs(target.breakerKey) || policy.breakerCooldownMs);
        t.circuitOverload = t.circuitOverload !== false && deps.breakers.overloaded(target.breakerKey);
      }
      continue;
    }
    const lease = deps.upstreamGate?.tryAcquire(target.provider.name, target.provider.maxConnections, !target.provider.adapter.serveLocally);
    if (deps.upstreamGate && !lease) {
      // Envoy-style overflow: no queueing, and nothing the upstream did, so no breaker failure.
      deps.breakers.release(target.breakerKey);
      candidate.out = true;
      t.sawOverload = true;
      notes.push({ provider: target.provider.name, outcome: 'overloaded (max_connections)' });
      continue;
    }
    candidate.tries = Math.max(0, candidate.tries) + 1;
    const startedAt = Date.now();
    const sent = ex.upstreamCalled;
    try {
      const result = await attemptTarget(ex, call, target, lease);
      deps.breakers.success(target.breakerKey);
      ex.answeredModel = candidate.model || undefined;
      ex.attempts.push({ provider: target.provider.name, upstreamModel: target.upstreamModel, status: 200, latencyMs: Date.now() - startedAt, startedAt });
      return result;
    } catch (err) {
      lease?.release();
      // A client that left is nobody's fault: it must not count against the provider's breaker.
      if (err instanceof ClientGone || ex.signal.aborted) {
        deps.breakers.release(target.breakerKey);
        // Sent before the client left: the attempt is recorded (the request row bills its prompt, finish.ts).
        if (ex.upstreamCalled !== sent) {
          ex.attempts.push({ provider: target.provider.name, upstreamModel: target.upstreamModel, status: 499, errorCode: CLIENT_GONE, latencyMs: Date.now() - startedAt, startedAt });
        }
        throw err instanceof ClientGone ? err : new ClientGone();
      }
      if (!isGatewayError(err)) {
        // An adapter that threw on this request is not an upstream fault either: no breaker, no retry.
        deps.breakers.release(target.breakerKey);
        notes.push({ provider: target.provider.name, outcome: 'adapter error' });
        throw finalError(new GatewayError({
          status: 500, type: 'api_error', code: 'adapter_error',
          message: `The ${target.provider.adapter.id} adapter of provider "${target.provider.name}" could not translate this request or its reply. Quote request id ${ex.id} to the gateway operator.`,
        }), notes, ex.attempts.length, ex.gw, ex.id);
      }
      const gwErr = err;
      const upstreamStatus = typeof gwErr.cause === 'number' ? gwErr.cause : gwErr.status;
      ex.attempts.push({ provider: target.provider.name, upstreamModel: target.upstreamModel, status: upstreamStatus, errorCode: gwErr.code, latencyMs: Date.now() - startedAt, startedAt });
      notes.push({ provider: target.provider.name, outcome: outcomeOf(gwErr) });
      const upstreamFault = gwErr.type === 'upstream_error';
      const limited = gwErr.cause === 429;
      // One request counts once per target towards its breaker, however often it retried that target.
      if (upstreamFault) {
        deps.breakers.failure(target.breakerKey, policy.breakerFailures, policy.breakerCooldownMs, limited ? gwErr.retryAfterMs : undefined, Date.now(), candidate.tries === 1, isUpstreamOverload(gwErr));
      } else deps.breakers.release(target.breakerKey);
      candidate.failedAt = Date.now();
      candidate.rateLimited = limited;
      const retryable = isRetryable(gwErr, policy);
      // Our own provider key rejected: other targets may work, this one will not on a second try.
      candidate.again = retryable && gwErr.code !== 'upstream_auth_failed';
      if (limited) t.rateLimitError = gwErr;
      else t.lastError = gwErr;
      if (!retryable) {
        if (limited && !t.lastError) throw report(t, allRateLimited(t));
        throw report(t, gwErr);
      }
    }
  }

  throw report(t, outcome(t));
}

/** One request's failover, as the error path needs it. */
interface Tally {
  ex: Exchange;
  deps: FailoverDeps;
  candidates: Candidate[];
  modelName: string;
  notes: AttemptNote[];
  lastError?: GatewayError;
  rateLimitError?: GatewayError;
  circuitWaitMs: number;
  sawOverload: boolean;
  /** Every target refused by an open circuit had it open because of the upstream's overload (unset: none refused). */
  circuitOverload?: boolean;
}

function outcome(t: Tally): GatewayError {
  const { candidates, lastError, rateLimitError, circuitWaitMs, modelName } = t;
  const policy = t.ex.gw.routing;
  if (candidates.every((c) => c.rateLimited || c.tries === 0) && candidates.some((c) => c.rateLimited)) return allRateLimited(t);
  if (lastError) return lastError;
  if (rateLimitError) return allRateLimited(t);
  if (t.sawOverload) return overloaded(modelName);
  const retryAfterMs = circuitWaitMs === Infinity ? undefined : circuitWaitMs;
  const retryIn = `Retry in ${Math.ceil((retryAfterMs ?? policy.breakerCooldownMs) / 1000)} s.`;
  if (t.circuitOverload) {
    return errors.upstreamOverloaded(`Every provider for ${modelName} is overloaded (circuit open after repeated 529 overloaded_error answers). ${retryIn}`, retryAfterMs ?? policy.breakerCooldownMs);
  }
  return new GatewayError({
    status: 502, type: 'upstream_error', code: 'upstream_error', retryAfterMs,
    message: `Every provider for ${modelName} is temporarily unavailable (circuit open after repeated failures). ${retryIn}`,
  });
}

/** 429 with the Retry-After of the soonest rate-limited target. */
function allRateLimited(t: Tally): GatewayError {
  const waits = t.candidates.filter((c) => c.rateLimited).map((c) => t.deps.breakers.parkedMs(c.target.breakerKey)).filter((ms) => ms > 0);
  const soonest = waits.length ? Math.min(...waits) : t.rateLimitError?.retryAfterMs ?? 1000;
  return rateLimited(t.modelName, soonest, t.ex.gw.exposeUpstream ? t.rateLimitError : undefined);
}

function report(t: Tally, err: GatewayError): GatewayError {
  const { ex, notes } = t;
  // The client's own bad request (a 4xx the upstream rejected) is routine; anything else is worth a warning.
  const level = err.status >= 500 || err.status === 429 ? 'warn' : 'info';
  if (notes.length) t.deps.log?.[level]('upstream attempts failed', { request_id: ex.id, model: t.modelName, code: err.code, attempts: describeAttempts(notes), error: (t.lastError ?? t.rateLimitError ?? err).message });
  return finalError(err, notes, ex.attempts.length, ex.gw, ex.id);
}

/**
 * The next target to try: first every target not tried yet, in plan order; then (retries) round-robin:
 * the fewest tries first, a target parked by a Retry-After after those that are not, plan order
 * otherwise. It is tried after its backoff or park, when that wait still fits `retry.max_wait_ms`.
 */
function pickNext(candidates: Candidate[], breakers: CircuitBreakers, policy: RoutingPolicy, waited: number): { candidate: Candidate; waitMs: number } | undefined {
  for (const c of candidates) if (c.tries === 0 && !c.out) return { candidate: c, waitMs: 0 };
  const now = Date.now();
  let best: { candidate: Candidate; waitMs: number; parked: number } | undefined;
  for (const c of candidates) {
    if (c.out || !c.again) continue;
    const parked = breakers.parkedMs(c.target.breakerKey, now);
    const backoff = c.tries > 0 ? c.failedAt + backoffMs(policy, c.tries) - now : 0;
    const waitMs = Math.max(0, backoff, parked);
    if (waited + waitMs > policy.maxWaitMs) continue; // a wait that does not fit: not this request's
    const better = !best || Math.max(0, c.tries) < Math.max(0, best.candidate.tries)
      || (Math.max(0, c.tries) === Math.max(0, best.candidate.tries) && parked < best.parked);
    if (better) best = { candidate: c, waitMs, parked };
  }
  return best;
}
