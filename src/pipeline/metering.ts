// Metering: turns a finished request into a ledger row (plus attempt rows), checks the usage an
// upstream reported, and estimates usage with js-tiktoken when the upstream reported none (or nonsense).

import type { JsonValue, Operation, Usage } from '../contracts/canonical.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { AttemptRow, RequestRow } from '../runtime/contracts.ts';
import { countText } from '../tokens/count.ts';
import type { Charge } from './finish.ts';
import type { Exchange } from './types.ts';

/** A finished request as the ledger records it: its charge (see finish.ts) and what the client was answered. */
export interface MeterInput extends Omit<Charge, 'note'> {
  status: number;
  errorCode?: string;
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
      // Only names of this gateway's models: a client string (a pasted key, a long junk name) is not stored.
      model: ex.call?.model !== undefined && ex.gw.models.has(ex.call.model) ? ex.call.model : null,
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
      budgetGroup: ex.billing?.ticket.budgetGroup,
      surface: ex.surface ?? 'openai',
      reasoningTokens: m.usage?.reasoning_tokens ?? 0,
      operation: ex.call?.operation,
      traceParent: ex.traceParent,
    },
    attemptRows(ex),
  );
}

/** The exchange's attempts as ledger rows (a plain loop: this runs on every request). */
function attemptRows(ex: Exchange): AttemptRow[] {
  const rows: AttemptRow[] = new Array(ex.attempts.length);
  for (let i = 0; i < rows.length; i++) {
    const a = ex.attempts[i];
    rows[i] = { requestId: ex.id, n: i + 1, provider: a.provider, upstreamModel: a.upstreamModel, status: a.status, errorCode: a.errorCode ?? null, latencyMs: a.latencyMs, ts: a.startedAt };
  }
  return rows;
}

/**
 * Records the error a surface answered, for the ledger row that finishRequest writes (one per request).
 * Writes nothing itself: surfaces call it from their catch, before building the error response.
 */
export function meterFailure(_rt: Runtime, ex: Exchange, err: { status: number; code: string }): void {
  ex.failure = { status: err.status, code: err.code };
}

/** Above this many tokens in one request, a reported count is a broken upstream, not a real bill. */
export const MAX_USAGE_TOKENS = 50_000_000;

const validCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_USAGE_TOKENS;

/** The first usage field that is not a whole number of tokens in [0, MAX_USAGE_TOKENS], if any. */
export function invalidUsageField(u: Usage): string | undefined {
  if (!validCount(u.prompt_tokens)) return 'prompt_tokens';
  if (!validCount(u.completion_tokens)) return 'completion_tokens';
  if (!validCount(u.total_tokens)) return 'total_tokens';
  if (u.cached_tokens !== undefined && !validCount(u.cached_tokens)) return 'cached_tokens';
  if (u.reasoning_tokens !== undefined && !validCount(u.reasoning_tokens)) return 'reasoning_tokens';
  if (u.cache_write_tokens !== undefined && !validCount(u.cache_write_tokens)) return 'cache_write_tokens';
  if (u.characters !== undefined && !validCount(u.characters)) return 'characters';
  return undefined;
}

export interface CheckedUsage {
  usage: Usage | undefined;
  source: RequestRow['usageSource'];
  /** The upstream's usage was unusable: the first bad field (the caller logs a warning). */
  invalid?: string;
}

/**
 * Upstream usage when present and valid; otherwise a js-tiktoken estimate of prompt and completion.
 * Invalid usage (non-numeric, non-finite, negative, fractional or absurd) counts as missing and is
 * reported in `invalid`, so it never becomes a NaN or negative cost.
 */
export function usageOrEstimate(
  upstream: Usage | undefined, promptTokens: () => number, completion: JsonValue | string, operation: Operation,
): CheckedUsage {
  const invalid = upstream ? invalidUsageField(upstream) : undefined;
  if (upstream && invalid === undefined) return { usage: upstream, source: 'upstream' };
  if (operation !== 'chat' && operation !== 'completions' && operation !== 'embeddings') return { usage: undefined, source: 'none', invalid };
  const completionTokens = operation === 'embeddings' ? 0 : countText(typeof completion === 'string' ? completion : completionTextOf(completion), false);
  const prompt = promptTokens();
  return { usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens }, source: 'estimated', invalid };
}

/**
 * The generated text of a non-streamed answer, in the order a stream delivers it (reasoning, content, then
 * each tool call's name and arguments, as relay.ts collects deltas), so a request's estimate is the same
 * streamed or not. A native Responses object's output items are read the same way.
 */
function completionTextOf(body: JsonValue): string {
  const b = body as { object?: unknown; choices?: unknown; output?: unknown } | null;
  if (b?.object === 'response' && Array.isArray(b.output)) return responsesOutputText(b.output);
  const choices = b?.choices as Array<{ message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: Array<{ function?: { name?: string; arguments?: string } }> }; text?: unknown }> | undefined;
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const c of choices) {
    const reasoning = c.message?.reasoning_content;
    if (typeof reasoning === 'string') text += reasoning;
    const content = c.message?.content ?? c.text;
    if (typeof content === 'string') text += content;
    for (const t of c.message?.tool_calls ?? []) text += (t.function?.name ?? '') + (t.function?.arguments ?? '');
  }
  return text;
}

function responsesOutputText(output: unknown[]): string {
  let text = '';
  for (const item of output as Array<{ type?: string; content?: Array<{ text?: unknown }>; name?: unknown; arguments?: unknown }>) {
    if (item?.type === 'message') for (const part of item.content ?? []) text += typeof part?.text === 'string' ? part.text : '';
    else if (item?.type === 'function_call') text += (typeof item.name === 'string' ? item.name : '') + (typeof item.arguments === 'string' ? item.arguments : '');
  }
  return text;
}
