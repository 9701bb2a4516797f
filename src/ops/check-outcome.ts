// What a provider check changes: the target's circuit breaker (success closes it, an upstream failure
// counts like a failed user attempt) and one ledger row marked with the checker's key name
// ("(health-check)" or "(provider-test)") so check traffic is visible and never mistaken for users'.

import { randomUUID } from 'node:crypto';
import type { CompiledGateway } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { CheckResult } from './provider-check.ts';

export type CheckMarker = '(health-check)' | '(provider-test)';

export const checkId = () => `chk_${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** Failures that say nothing about the upstream (our adapter failed, or the check was cancelled). */
const notUpstreamFault = (r: CheckResult) => r.code === 'adapter_error' || r.code === 'check_cancelled';

export function applyCheck(rt: Runtime, gw: CompiledGateway, result: CheckResult & { id: string }, marker: CheckMarker, breakerKey: string): void {
  if (result.ok) rt.breakers.success(breakerKey);
  else if (!notUpstreamFault(result)) rt.breakers.failure(breakerKey, gw.routing.breakerFailures, gw.routing.breakerCooldownMs);
  const ts = Date.now() - result.latency_ms;
  rt.ledger.record(
    {
      id: result.id, ts, keyName: marker, group: null, route: marker, model: result.models[0] ?? null, provider: result.provider,
      upstreamModel: result.upstream_model, promptTokens: 0, completionTokens: 0, cachedTokens: 0, usageSource: 'none', costMicros: 0,
      status: result.ok ? 200 : result.status, errorCode: result.code, latencyMs: result.latency_ms, ttftMs: null, stream: false, partial: false,
      configHash: gw.hash, surface: 'check',
    },
    [{ requestId: result.id, n: 1, provider: result.provider, upstreamModel: result.upstream_model, status: result.ok ? 200 : result.status, errorCode: result.code, latencyMs: result.latency_ms, ts }],
  );
}
