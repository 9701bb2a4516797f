// Deterministic answers of the mock provider: echo replies, fixed-size embeddings, tiny images,
// transcriptions and speech bytes. Pure functions of the request, so tests and demos are repeatable.

import type { ChatMessage, JsonObject, JsonValue } from '../../src/contracts/index.ts';

/** The text the mock answers to a chat request: "You said: <last user text>". */
export function echoText(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return `You said: ${contentText(last?.content) || '(nothing)'}`;
}

export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join(' ');
}

/** Rough, deterministic token count for usage: words and punctuation. */
export function countTokens(text: string): number {
  // Counted one match at a time: a list of every match of a long prompt would cost its size again.
  const re = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

export function promptTokens(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + 4 + countTokens(contentText(m.content)), 0);
}

/** A unit-length vector derived from the text (FNV-1a seeded xorshift). */
export function embedding(text: string, dims: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < dims; i++) {
    h ^= h << 13; h ^= h >>> 17; h ^= h << 5;
    const v = ((h >>> 0) / 4294967295) * 2 - 1;
    out.push(v);
    sum += v * v;
  }
  const norm = Math.sqrt(sum) || 1;
  return out.map((v) => Math.round((v / norm) * 1e6) / 1e6);
}

/** 1×1 transparent PNG. */
export const TINY_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** `count` is checked first (limits.ts: 1 to 10). */
export function imagesBody(count: number, format: JsonValue | undefined): JsonObject {
  const data: JsonObject[] = Array.from({ length: count }, () =>
    (format === 'b64_json' ? { b64_json: TINY_PNG_BASE64 } : { url: `data:image/png;base64,${TINY_PNG_BASE64}` }) as JsonObject);
  return { created: Math.floor(Date.now() / 1000), data };
}

export function inputTexts(input: JsonValue | undefined): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) return input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [''];
}


/** Honours max_tokens roughly (by words), so budget demos behave like a real model. */
export function limitWords(text: string, maxTokens: JsonValue | undefined): string {
  if (typeof maxTokens !== 'number' || maxTokens <= 0) return text;
  // Scans to the end of the max_tokens-th word only (a word is the text up to and including a space).
  let pos = 0;
  for (let i = 0; i < Math.floor(maxTokens); i++) {
    const space = text.indexOf(' ', pos);
    if (space === -1 || space === text.length - 1) return text;
    pos = space + 1;
  }
  return text.slice(0, pos).trimEnd();
}

/** How many words streamChat would send (split after each space), counting no further than `max` + 1. */
export function wordCount(text: string, max: number): number {
  let n = 1;
  for (let pos = text.indexOf(' '); pos !== -1 && pos < text.length - 1 && n <= max; pos = text.indexOf(' ', pos + 1)) n++;
  return n;
}
