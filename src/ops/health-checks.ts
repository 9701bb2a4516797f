// Active health checks (routing.health_check: { interval_ms, model? }): every interval, one minimal
// request to each target (or only the targets serving `model`), sequentially, through the attempt path.
// A success closes the target's breaker, a failure counts like a failed user attempt, so a dead provider
// is taken out before a user request hits it. Each check is a ledger row under "(health-check)".
// One instance per running gateway: started with it, rescheduled on reload, stopped on shutdown.

import type { Runtime } from '../runtime/runtime.ts';
import { applyCheck, checkId } from './check-outcome.ts';
import { type CheckResult, checkTarget, providerTargets } from './provider-check.ts';

export class HealthChecks {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly cancel = new AbortController();

  constructor(private readonly rt: Runtime) {}

  /** (Re)schedules from the active config; call at start and after every reload. */
  configure(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const hc = this.rt.current().config.routing?.health_check;
    if (!hc) return;
    this.timer = setTimeout(() => this.tick(), hc.interval_ms);
    this.timer.unref?.();
  }

  private tick(): void {
    if (this.running) return this.configure();
    this.running = this.runOnce()
      .catch((err: unknown) => this.rt.log.warn('health check round failed', { error: String((err as Error)?.message ?? err) }))
      .finally(() => {
        this.running = undefined;
        this.configure();
      });
  }

  /** One round over every checked target; resolves with the results. */
  async runOnce(): Promise<CheckResult[]> {
    const gw = this.rt.current();
    const hc = gw.config.routing?.health_check;
    if (!hc) return [];
    const timeoutMs = Math.min(15_000, Math.max(1_000, hc.interval_ms));
    const results: CheckResult[] = [];
    for (const provider of gw.providers.values()) {
      for (const entry of providerTargets(gw, provider, hc.model ? [hc.model] : undefined)) {
        if (this.stopped) return results;
        const id = checkId();
        const result = await checkTarget(gw, this.rt.log, entry, id, timeoutMs, this.cancel.signal);
        if (result.code === 'check_cancelled') return results;
        applyCheck(this.rt, gw, { ...result, id }, '(health-check)', entry.target.breakerKey);
        if (!result.ok) this.rt.log.warn('health check failed', { provider: result.provider, upstream_model: result.upstream_model, status: result.status, code: result.code });
        results.push(result);
      }
    }
    return results;
  }

  /** Stops the timer and cancels a round in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.cancel.abort();
    await this.running;
  }
}
