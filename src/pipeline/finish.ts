// The one request finaliser (DESIGN §7). Every request is settled (its budget reservation replaced by its
// cost, rate limits corrected, concurrency freed) and metered (one ledger row) exactly once, here:
// from handleApiRequest's `finally`, or from the relay's onFinish when a stream owns the end.
//
// What a request costs is decided where it becomes known and recorded on the exchange (`billing.charge`):
// as soon as an upstream (or the cache) answered, before route plugins shape the answer. So a plugin that
// throws afterwards (onResponse, onStreamEvent, onError) changes the status the client gets, never the
// bill: the upstream charged us. Without a charge, a request costs nothing, except a client that left
// after an upstream was asked, which pays for the prompt it sent.

import type { Usage } from '../contracts/canonical.ts';
import type { Target } from '../compile/types.ts';
import type { RequestRow, Ticket } from '../runtime/contracts.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { costMicros } from './cost.ts';
import { meter } from './metering.ts';
import { observeRejected } from '../observe/rejected.ts';
import type { Exchange } from './types.ts';

/** What an answered request costs, whatever happens to the answer afterwards. */
export interface Charge {
  target?: Target;
  usage?: Usage;
  usageSource: RequestRow['usageSource'];
  costMicros: number;
  stream: boolean;
  partial: boolean;
  firstChunkAt?: number;
  /** Ledger error_code for an answer that is not a plain upstream success (`cache_hit`). */
  note?: string;
}

/** An admitted model call: its reservation, how to price it, and (once answered) its charge. */
export interface Billing {
  ticket: Ticket;
  multiplier: number;
  promptTokens: () => number;
  charge?: Charge;
}

export const CLIENT_GONE = 'client_closed_request';

/**
 * Settles and meters the request once (later calls do nothing) and marks it finished for the drain.
 * `status` and `errorCode` are what the client was answered; `clientGone`: it left before an answer.
 */
export function finishRequest(rt: Runtime, ex: Exchange, status: number, errorCode?: string, clientGone = false): void {
  if (ex.finished) return;
  ex.finished = true;
  try {
    const billing = ex.billing;
    let charge = billing?.charge;
    if (!charge && billing && clientGone && ex.upstreamCalled) charge = promptOnly(ex, billing);
    billing?.ticket.settle({ usage: charge?.usage, costMicros: charge?.costMicros ?? 0 });
    // Requests refused before authentication passed have no ledger row: they are counted and logged apart
    // (observe/rejected.ts). Successful non-model calls (model list, balance, jobs) are not recorded.
    if (!ex.key || status === 401) {
      if (status >= 400) observeRejected(rt, ex, status, errorCode);
      return;
    }
    if (!ex.call && status < 400) return;
    meter(rt, ex, {
      target: charge?.target,
      status,
      errorCode: status >= 400 ? errorCode : charge?.note,
      usage: charge?.usage,
      usageSource: charge?.usageSource ?? 'none',
      costMicros: charge?.costMicros ?? 0,
      stream: charge?.stream ?? ex.call?.stream ?? false,
      partial: charge?.partial ?? clientGone,
      firstChunkAt: charge?.firstChunkAt,
    });
  } finally {
    ex.leave();
  }
}

/** A client that left after an upstream was asked pays for the prompt (the upstream has read it). */
function promptOnly(ex: Exchange, billing: Billing): Charge {
  const price = ex.gw.models.get(ex.answeredModel ?? ex.call?.model ?? '')?.price;
  const prompt = billing.promptTokens();
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt };
  return { target: ex.upstreamCalled?.target, usage, usageSource: 'estimated', costMicros: price ? costMicros(price, billing.multiplier, usage) : 0, stream: ex.call?.stream ?? false, partial: true };
}
