// Runtime: the long-lived state that survives config reloads (the active gateway reference, circuit
// breakers, admission/limits, the ledger, in-flight tracking for graceful drain).

import type { CompiledGateway, CompiledKey } from '../compile/types.ts';
import type { JobService } from '../jobs/types.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/open.ts';
import type { GatewayMetrics } from '../observe/metrics.ts';
import type { BalanceChecks } from '../ops/balance-checks.ts';
import type { SpanExporter } from '../observe/otlp/span-exporter.ts';
import { AuthFailureLog } from '../observe/auth-failures.ts';
import type { ResponseStore } from '../store/responses-repo.ts';
import { CircuitBreakers } from '../pipeline/circuit-breakers.ts';
import { ConnectionGate } from '../upstream/connection-gate.ts';
import { type Admission, type Ledger, type ReadinessReport, type ResponseCache, discardLedger, unlimitedAdmission } from './contracts.ts';

export interface ConfigStatus {
  hash: string;
  file: string;
  loadedAt: number;
  lastError?: { at: number; problems: string[] };
  reloads: number;
  /** Rejected reloads since start. */
  failures: number;
}

export class Runtime {
  private gateway: CompiledGateway;
  /** Per-target circuit breakers (a shared subclass when Redis holds the live state). */
  breakers: CircuitBreakers = new CircuitBreakers();
  /** Upstream connection slots per provider (max_connections) and against the runtime's fetch cap. */
  readonly upstreamGate = new ConnectionGate();
  admission: Admission = unlimitedAdmission;
  ledger: Ledger = discardLedger;
  /** Response cache (off until storage attaches one). */
  cache?: ResponseCache;
  /** The ledger database, once storage is attached. */
  store?: Store;
  /** Stored Responses API responses, once storage is attached. */
  responses?: ResponseStore;
  /** Async image jobs (src/jobs), once attachJobs(rt, store) ran. */
  jobs?: JobService;
  /** Readiness of attached services by name (e.g. `ledger`); GET /ready is 503 while one is not ready. */
  readonly readiness = new Map<string, () => ReadinessReport>();
  /** Runtime-issued keys (admin API), looked up after the config's keys. */
  runtimeKeyLookup?: (digest: string) => CompiledKey | undefined;
  readonly status: ConfigStatus;
  /** The cluster view (storage.redis), for GET /admin/cluster. */
  cluster?: { view(): Promise<unknown> };
  private inflight = 0;
  private readonly cut = new AbortController();
  private streams = 0;
  /** Prometheus metrics (GET /metrics), attached at start. */
  metrics?: GatewayMetrics;
  /** Upstream account balance checks (providers.<name>.balance), attached at start. */
  balances?: BalanceChecks;
  /** OTLP trace export (observability.otlp), attached at start when configured. */
  spans?: SpanExporter;
  /** Failed client-key and admin-token checks: at most one warning per address per interval. */
  readonly authFailures: AuthFailureLog;
  private drainWaiters: Array<() => void> = [];
  draining = false;

  constructor(gateway: CompiledGateway, readonly log: Logger) {
    this.gateway = gateway;
    this.authFailures = new AuthFailureLog(log);
    this.status = { hash: gateway.hash, file: gateway.file, loadedAt: gateway.loadedAt, reloads: 0, failures: 0 };
    log.setSecrets(gateway.secrets);
  }

  /** The active gateway; a request reads it once and keeps that snapshot. */
  current(): CompiledGateway {
    return this.gateway;
  }

  swap(next: CompiledGateway): void {
    this.gateway = next;
    this.status.hash = next.hash;
    this.status.loadedAt = next.loadedAt;
    this.status.reloads += 1;
    this.status.lastError = undefined;
    this.log.setSecrets(next.secrets);
  }

  recordReloadError(problems: string[]): void {
    this.status.lastError = { at: Date.now(), problems };
    this.status.failures += 1;
  }

  /** Tracks a request (or stream) in flight; call the returned function exactly once when done. */
  enter(): () => void {
    this.enterRequest();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.leaveRequest();
    };
  }

  /** One more request in flight; the caller must call leaveRequest() exactly once (an API request's exchange does both). */
  enterRequest(): void {
    this.inflight += 1;
  }

  leaveRequest(): void {
    this.inflight -= 1;
    if (this.inflight === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Aborted when the drain timeout is reached: streams still running end with an error event. */
  get cutSignal(): AbortSignal {
    return this.cut.signal;
  }

  /** Ends every stream still in flight (gateway stop, after the drain timeout). */
  cutStreams(): void {
    this.cut.abort();
  }

  get inFlight(): number {
    return this.inflight;
  }

  /** Tracks a stream being relayed; call the returned function once when it ends. */
  openStream(): () => void {
    this.streams += 1;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.streams -= 1;
    };
  }

  get streamsInFlight(): number {
    return this.streams;
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
