// Token counting with js-tiktoken, used when an upstream reports no usage and for budget and tpm
// estimates. The encoder is built lazily once (o200k_base) and reused.

import { Tiktoken } from 'js-tiktoken/lite';
import type { ChatMessage, JsonObject, JsonValue } from '../contracts/canonical.ts';

let encoder: Tiktoken | undefined;

async function load(): Promise<Tiktoken> {
  if (!encoder) {
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
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

/** `cache: false` for one-off texts (a completion being estimated) that would only evict prompts. */
export function countText(text: string, cache = true): number {
  if (!text) return 0;
  if (!encoder) return Math.ceil(text.length / 4); // only before warm-up
  const hit = counts.get(text);
  if (hit !== undefined) return hit;
  const n = encoder.encode(text, 'all').length;
  if (cache && text.length <= CACHE_MAX_CHARS / 8) {
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

function partsText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('\n');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** OpenAI's documented chat accounting: ~3 tokens of framing per message plus 3 for the reply. */
export function countChatPrompt(messages: readonly ChatMessage[]): number {
  let total = 3;
  // Defensive about shapes: counting must never throw on a body the pipeline has not rejected.
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    total += 3 + countText(partsText(m.content)) + (m.name ? 1 : 0);
    if (Array.isArray(m.tool_calls)) for (const call of m.tool_calls) total += countText(str(call?.function?.name)) + countText(str(call?.function?.arguments));
    if (Array.isArray(m.content)) total += m.content.filter((p) => p?.type === 'image_url').length * 85;
  }
  return total;
}

/** Prompt estimate for any JSON operation body (chat messages, prompt, input). */
export function countRequestPrompt(body: JsonObject): number {
  if (Array.isArray(body.messages)) return countChatPrompt(body.messages as unknown as ChatMessage[]);
  const input = body.prompt ?? body.input;
  return countJsonText(input);
}

function countJsonText(value: JsonValue | undefined): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return countText(value);
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countJsonText(v), 0);
  return countText(JSON.stringify(value));
}
