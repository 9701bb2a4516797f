// The per-request objects the HTTP edge creates for every API request: the exchange and the plugin hook
// scope. Classes with a fixed shape: the client address is looked up only when something reads it
// (allow_ips, jobs, the request log), and the plugins' per-request state map is created only when a
// plugin asks for it, so a request without plugins allocates neither.

import type { CompiledGateway, CompiledKey, CompiledRoute, Target } from '../compile/types.ts';
import type { Logger } from '../log.ts';
import type { Billing } from './finish.ts';
import type { HookScope } from './plugin-runner.ts';
import type { AttemptRecord, Exchange, InboundCall } from './types.ts';

export class RequestScope implements HookScope {
  keyName?: string;
  group?: string;
  model?: string;
  provider?: string;
  #states: Map<string, Map<string, unknown>> | undefined;

  constructor(
    readonly requestId: string,
    readonly route: string,
    readonly signal: AbortSignal,
    readonly log: Logger,
    readonly secrets: readonly string[],
  ) {}

  get states(): Map<string, Map<string, unknown>> {
    return (this.#states ??= new Map());
  }
}

export class RequestExchange implements Exchange {
  readonly startedAt = Date.now();
  key?: CompiledKey;
  call?: InboundCall;
  attempts: AttemptRecord[] = [];
  upstreamCalled?: { target: Target };
  /** A `<key>-<provider>` suffix pin (authenticate.ts), declared so every exchange has the same shape. */
  keyPin?: string;
  surface?: string;
  answeredModel?: string;
  billing?: Billing;
  failure?: { status: number; code: string; clientGone?: boolean };
  detached = false;
  traceParent?: string;
  finished?: boolean;
  #ip: string | undefined;
  #left = false;

  constructor(
    readonly id: string,
    readonly gw: CompiledGateway,
    readonly route: CompiledRoute,
    private readonly ipSource: string | (() => string),
    readonly signal: AbortSignal,
    readonly scope: HookScope,
    /** Counts requests in flight for the drain: entered here, left once by leave(). */
    private readonly inflight: { enterRequest(): void; leaveRequest(): void },
  ) {
    inflight.enterRequest();
  }

  /** The request is over (finishRequest): leaves the in-flight count, once. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.inflight.leaveRequest();
  }

  get clientIp(): string {
    return (this.#ip ??= typeof this.ipSource === 'string' ? this.ipSource : this.ipSource());
  }
}

/** The request's scope as a provider's hooks see it: the same state maps, the provider named. */
export function providerScope(scope: HookScope, provider: string): HookScope {
  return {
    requestId: scope.requestId, route: scope.route, keyName: scope.keyName, group: scope.group, model: scope.model, provider,
    signal: scope.signal, log: scope.log, secrets: scope.secrets, states: scope.states,
  };
}
