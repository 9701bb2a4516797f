// Metering: turns a finished request into a ledger row (plus attempt rows), and estimates usage
// with js-tiktoken when the upstream reported none.

import type { JsonValue, Operation, Usage } from '../contracts/canonical.ts';
import type { Target } from '../compile/types.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { RequestRow } from '../runtime/contracts.ts';
import { countText } from '../tokens/count.ts';
import type { Exchange } from './types.ts';

export interface MeterInput {
  target?: Target;
  status: number;
  errorCode?: string;
  usage?: Usage;
  usageSource: RequestRow['usageSource'];
  costMicros: number;
  stream: boolean;
  partial: boolean;
  firstChunkAt?: number;
}

export function meter(rt: Runtime, ex: Exchange, m: MeterInput): void {
  const now = Date.now();
  rt.ledger.record(
    {
      id: ex.id,
      ts: ex.startedAt,
      keyName: ex.key?.name ?? null,
      group: ex.key?.group ?? null,
      route: ex.route.path || '/v1',
      model: ex.call?.model ?? null,
      provider: m.target?.provider.name ?? null,
      upstreamModel: m.target?.upstreamModel || null,
      promptTokens: m.usage?.prompt_tokens ?? 0,
      completionTokens: m.usage?.completion_tokens ?? 0,
      cachedTokens: m.usage?.cached_tokens ?? 0,
      usageSource: m.usageSource,
      costMicros: m.costMicros,
      status: m.status,
      errorCode: m.errorCode ?? null,
      latencyMs: now - ex.startedAt,
      ttftMs: m.firstChunkAt ? m.firstChunkAt - ex.startedAt : null,
      stream: m.stream,
      partial: m.partial,
      configHash: ex.gw.hash,
      surface: ex.surface ?? 'openai',
      reasoningTokens: m.usage?.reasoning_tokens ?? 0,
    },
    ex.attempts.map((a, i) => ({
      requestId: ex.id, n: i + 1, provider: a.provider, upstreamModel: a.upstreamModel, status: a.status,
      errorCode: a.errorCode ?? null, latencyMs: a.latencyMs, ts: a.startedAt,
    })),
  );
}

/** A request that failed before an answer: no cost, one row (unauthenticated noise is not recorded). */
export function meterFailure(rt: Runtime, ex: Exchange, err: { status: number; code: string }): void {
  if (err.status === 401) return;
  meter(rt, ex, { status: err.status, errorCode: err.code, usageSource: 'none', costMicros: 0, stream: ex.call?.stream ?? false, partial: false });
}

/** Upstream usage when present; otherwise a js-tiktoken estimate of prompt and completion. */
export function usageOrEstimate(
  upstream: Usage | undefined, promptTokens: () => number, completion: JsonValue | string, operation: Operation,
): { usage: Usage | undefined; source: RequestRow['usageSource'] } {
  if (upstream) return { usage: upstream, source: 'upstream' };
  if (operation !== 'chat' && operation !== 'completions' && operation !== 'embeddings') return { usage: undefined, source: 'none' };
  const completionTokens = operation === 'embeddings' ? 0 : countText(typeof completion === 'string' ? completion : completionTextOf(completion), false);
  const prompt = promptTokens();
  return { usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens }, source: 'estimated' };
}

function completionTextOf(body: JsonValue): string {
  const choices = (body as { choices?: Array<{ message?: { content?: unknown; tool_calls?: Array<{ function?: { arguments?: string } }> }; text?: unknown }> })?.choices;
  if (!Array.isArray(choices)) return '';
  return choices.map((c) => {
    const content = c.message?.content ?? c.text;
    const text = typeof content === 'string' ? content : '';
    return text + (c.message?.tool_calls ?? []).map((t) => t.function?.arguments ?? '').join('');
  }).join('');
}
