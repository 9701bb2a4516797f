// Token counting with js-tiktoken, used when an upstream reports no usage and for budget and tpm
// estimates. The encoder is built lazily once (o200k_base) and reused.

import { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage, JsonObject, JsonValue } from '../contracts/canonical.ts';

let encoder: Tiktoken | undefined;

async function load(): Promise<Tiktoken> {
  if (!encoder) {
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
    encoder = new Tiktoken(ranks);
    dropDecoderTable(encoder);
  }
  return encoder;
}

/**
 * The gateway only counts tokens, never decodes them: js-tiktoken's decode table (one Uint8Array per token,
 * 200k of them for o200k_base) would stay alive for the process's life: 26 MB of heap and 400k objects that
 * full collections walk (bench/README.md, the garbage-collection notes of 2026-12-02 11:40–13:10 UTC).
 */
function dropDecoderTable(tokenizer: Tiktoken): void {
  const table = (tokenizer as unknown as { textMap?: unknown }).textMap;
  if (table instanceof Map) table.clear();
}

/** Loads the tokenizer ranks ahead of the first request (called at start). */
export async function warmTokenizer(): Promise<void> {
  await load();
}

// Conversations resend their history on every turn, so counts are cached per text (bounded by entries
// and total characters; oldest out first). js-tiktoken rebuilds its regexes on every encode call, so even
// a short text costs several µs; a repeated one costs a Map lookup.
const CACHE_MAX_ENTRIES = 20_000;
const CACHE_MAX_CHARS = 16_000_000;
const counts = new Map<string, number>();
let cachedChars = 0;

/** How many characters one count (a whole request's prompt) may still merge exactly; see boundedCount. */
export interface CountBudget {
  exactChars: number;
}

export const newCountBudget = (): CountBudget => ({ exactChars: EXACT_CHARS });

/**
 * `cache: false` for one-off texts (a completion being estimated) that would only evict prompts.
 * `budget`: shared by the texts of one request, so many messages cannot add up to unbounded work.
 */
export function countText(text: string, cache = true, budget: CountBudget = newCountBudget()): number {
  if (!text) return 0;
  if (!encoder) return Math.ceil(text.length / 4); // only before warm-up
  const hit = counts.get(text);
  if (hit !== undefined) return hit;
  const exact = Math.min(text.length, budget.exactChars);
  budget.exactChars -= exact;
  const n = boundedCount(encoder, text, exact);
  if (cache && exact === text.length && text.length <= CACHE_MAX_CHARS / 8) {
    counts.set(text, n);
    cachedChars += text.length;
    while (counts.size > CACHE_MAX_ENTRIES || cachedChars > CACHE_MAX_CHARS) {
      const oldest = counts.keys().next().value as string;
      counts.delete(oldest);
      cachedChars -= oldest.length;
    }
  }
  return n;
}

// js-tiktoken's byte-pair merge is quadratic in the length of one pre-tokenizer piece: 10 000 "x" (one
// piece) took 9 s and 20 000 took 40 s, all on the event loop, from one 10 KB prompt. So a run of one
// character class longer than LONG_RUN is estimated (UTF-8 bytes / 4, what a typical token holds)
// instead of merged, and only EXACT_CHARS per request are merged at all: the rest is extrapolated from
// the part counted exactly (or, with nothing counted, estimated the same way). Worst case: ~0.5 s of
// merging per request for 32 Ki characters of adversarial CJK; prose costs ~30 ms per MB.
const LONG_RUN = /[\p{L}\p{M}]{16,}|[^\s\p{L}\p{N}]{32,}|\s{32,}/gu;
const EXACT_CHARS = 32_768;
const utf8 = new TextEncoder();
const estimate = (text: string) => Math.ceil(utf8.encode(text).length / 4);

function boundedCount(bpe: Tiktoken, text: string, exact: number): number {
  if (exact <= 0) return estimate(text);
  if (exact < text.length) {
    const head = text.slice(0, exact);
    return Math.ceil((boundedCount(bpe, head, exact) * text.length) / head.length);
  }
  let total = 0;
  let from = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    if (run.index > from) total += bpe.encode(text.slice(from, run.index), 'all').length;
    total += estimate(run[0]);
    from = run.index + run[0].length;
  }
  return total + (from < text.length ? bpe.encode(from ? text.slice(from) : text, 'all').length : 0);
}

function partsText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** OpenAI's documented chat accounting: ~3 tokens of framing per message plus 3 for the reply. */
export function countChatPrompt(messages: readonly ChatMessage[], budget = newCountBudget()): number {
  let total = 3;
  // Defensive about shapes: counting must never throw on a body the pipeline has not rejected.
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    total += 3 + countText(partsText(m.content), true, budget) + (m.name ? 1 : 0);
    if (Array.isArray(m.tool_calls)) for (const call of m.tool_calls) total += countText(str(call?.function?.name), true, budget) + countText(str(call?.function?.arguments), true, budget);
    if (Array.isArray(m.content)) total += m.content.filter((p) => p?.type === 'image_url').length * 85;
    // Reasoning sent back (DeepSeek's tool turns, Anthropic's signed blocks) is prompt too: a client could
    // otherwise stuff it past the budget reservation.
    if (typeof m.reasoning_content === 'string') total += countText(m.reasoning_content, true, budget);
    if (Array.isArray(m.thinking_blocks)) for (const b of m.thinking_blocks) total += countText(b?.type === 'thinking' ? str(b.thinking) : str((b as { data?: unknown })?.data), true, budget);
  }
  return total;
}

/** Tool definitions as the model sees them (names, descriptions, parameter schemas): counted as their JSON. */
export function countTools(tools: readonly unknown[] | undefined, budget = newCountBudget()): number {
  return tools?.length ? countJsonText(tools as unknown as JsonValue, budget) : 0;
}

/** Prompt estimate for any JSON operation body (chat messages, prompt, input). */
export function countRequestPrompt(body: JsonObject): number {
  if (Array.isArray(body.messages)) return countChatPrompt(body.messages as unknown as ChatMessage[]);
  const input = body.prompt ?? body.input;
  return countJsonText(input, newCountBudget());
}

function countJsonText(value: JsonValue | undefined, budget: CountBudget): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return countText(value, true, budget);
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countJsonText(v, budget), 0);
  return countText(JSON.stringify(value), true, budget);
}
