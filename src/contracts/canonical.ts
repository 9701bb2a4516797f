// Canonical wire types: the OpenAI Chat Completions shape is Switchyard's internal lingua franca.
// Adapters translate provider formats to and from these; plugins see and return these.
// Signed reasoning (Anthropic thinking blocks, `anthropic_thinking`, tool `is_error`): see thinking.ts.

import type { GeminiThinkingConfig } from './gemini-thinking.ts';
import type { AnthropicThinkingConfig, ThinkingBlock } from './thinking.ts';
import type { AnthropicExtra } from './anthropic-extra.ts';
import type { AnthropicToolResult } from './anthropic-blocks.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The operations the gateway understands. `passthrough` forwards any other /v1 path verbatim. */
export type Operation =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'images.generations'
  | 'images.edits'
  | 'images.variations'
  | 'audio.transcriptions'
  | 'audio.translations'
  | 'audio.speech'
  | 'moderations'
  /** OpenAI Responses API body, sent only to adapters that speak it natively (supports('responses', provider)). */
  | 'responses'
  | 'passthrough';

/** Anthropic's prompt-cache breakpoint (`{type:"ephemeral", ttl?:"5m"|"1h"}`): kept on the canonical
 *  parts and tools it was sent on, forwarded to upstreams that accept it, removed for the others. */
export interface CacheControl { type: string; ttl?: string }
export interface TextPart { type: 'text'; text: string; cache_control?: CacheControl }
export interface ImagePart { type: 'image_url'; image_url: { url: string; detail?: string }; cache_control?: CacheControl }
export type ContentPart = TextPart | ImagePart | ({ type: string } & JsonObject);

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Opaque provider fields that must round-trip (e.g. Gemini thoughtSignature). */
  extra_content?: JsonObject;
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
  /** Signed reasoning blocks in their original order (assistant; see thinking.ts). */
  thinking_blocks?: ThinkingBlock[];
  /** A tool message whose tool failed; its content starts with `Error: ` (see thinking.ts). */
  is_error?: boolean;
  /** Tool message: the tool_result's content and cache_control as sent (Anthropic upstreams only; see anthropic-blocks.ts). */
  anthropic_tool_result?: AnthropicToolResult;
  /** User message: its blocks as sent, documents included (Anthropic upstreams only; see anthropic-blocks.ts). */
  anthropic_content?: JsonObject[];
  [extra: string]: JsonValue | ContentPart[] | ToolCall[] | ThinkingBlock[] | AnthropicToolResult | undefined;
}

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonObject; strict?: boolean };
  cache_control?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: JsonObject };
  n?: number;
  user?: string;
  /** Anthropic's `thinking` object from an Anthropic-surface client, sent unchanged to Anthropic upstreams only (see thinking.ts). */
  anthropic_thinking?: AnthropicThinkingConfig;
  /** Anthropic-only body fields from an Anthropic-surface client, for Anthropic upstreams only (see anthropic-extra.ts). */
  anthropic_extra?: AnthropicExtra;
  /** The Anthropic-surface client's `anthropic-beta` header, normalized (see anthropic-extra.ts). */
  anthropic_beta?: string;
  /** Gemini's `thinkingConfig` from a Gemini-surface client, for Gemini upstreams only (see gemini-thinking.ts). */
  gemini_thinking?: GeminiThinkingConfig;
  [extra: string]: JsonValue | ChatMessage[] | ToolDefinition[] | ToolChoice | undefined | object;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Characters billed by a per-character API (DeepL), priced with price.per_million_characters. */
  characters?: number;
  /** Prompt tokens served from a provider cache (a subset of prompt_tokens), priced as cached input. */
  cached_tokens?: number;
  /** Reasoning / thinking tokens (a subset of completion_tokens). */
  reasoning_tokens?: number;
  /** Prompt tokens written to a provider cache (a subset of prompt_tokens), priced as cache_write. */
  cache_write_tokens?: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | null;

export interface ChatChoice {
  index: number;
  message: ChatMessage;
  finish_reason: FinishReason;
  logprobs?: JsonValue;
}

export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: OpenAIUsageWire;
  system_fingerprint?: string | null;
  [extra: string]: JsonValue | ChatChoice[] | OpenAIUsageWire | undefined;
}

/** Usage exactly as OpenAI sends it on the wire. */
export interface OpenAIUsageWire {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: number | undefined };
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: number | undefined };
  /** Prompt-cache writes and reads, top level as Anthropic-backed OpenAI-format APIs report them. */
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string;
  /** A signed block's end (its signature) or a redacted block (see thinking.ts). */
  thinking_blocks?: ThinkingBlock[];
  tool_calls?: Array<{
    index: number;
    id?: string;
    type?: 'function';
    function?: { name?: string; arguments?: string };
    extra_content?: JsonObject;
  }>;
  [extra: string]: JsonValue | undefined | object;
}

/**
 * On a stream chunk decoded from an OpenAI-shaped event and not changed since: that event's JSON text (one
 * line). The OpenAI stream encoder writes it as it is instead of serialising the chunk again; the relay
 * drops it before any transform (plugins, renaming) can change the chunk. A symbol: never serialised, never
 * part of the wire format.
 */
export const WIRE_JSON: unique symbol = Symbol('switchyard.wireJson');

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason; logprobs?: JsonValue }>;
  usage?: OpenAIUsageWire | null;
  [WIRE_JSON]?: string;
  [extra: string]: JsonValue | undefined | object;
}

/**
 * A usage count as reported: absent (undefined/null) → `absent`; a number as is; anything else → NaN,
 * so the gateway's usage check sees it (and bills an estimate) instead of a silently invented 0.
 */
export function wireCount(value: unknown, absent: number): number {
  if (value === undefined || value === null) return absent;
  return typeof value === 'number' ? value : NaN;
}

/** Converts the OpenAI wire usage to the canonical Usage (undefined when it has no prompt_tokens). */
export function usageFromWire(wire: OpenAIUsageWire | null | undefined): Usage | undefined {
  if (!wire || typeof wire !== 'object' || wire.prompt_tokens === undefined || wire.prompt_tokens === null) return undefined;
  const prompt = wireCount(wire.prompt_tokens, 0);
  const completion = wireCount(wire.completion_tokens, 0);
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: wireCount(wire.total_tokens, prompt + completion),
    cached_tokens: wireCount(wire.prompt_tokens_details?.cached_tokens, 0),
    reasoning_tokens: wireCount(wire.completion_tokens_details?.reasoning_tokens, 0),
  };
  const written = wireCount(wire.cache_creation_input_tokens, 0);
  if (written !== 0) usage.cache_write_tokens = written; // NaN or negative: left for the usage check to refuse
  return usage;
}

/** Converts canonical Usage to the OpenAI wire shape. */
export function usageToWire(usage: Usage): OpenAIUsageWire {
  const wire: OpenAIUsageWire = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
  if (usage.cached_tokens) wire.prompt_tokens_details = { cached_tokens: usage.cached_tokens };
  if (usage.reasoning_tokens) wire.completion_tokens_details = { reasoning_tokens: usage.reasoning_tokens };
  if (usage.cache_write_tokens) {
    wire.cache_creation_input_tokens = usage.cache_write_tokens;
    wire.cache_read_input_tokens = usage.cached_tokens ?? 0;
  }
  return wire;
}

/**
 * The text of a canonical message's content: a string, or its text parts joined. One definition for every
 * place that must agree on it (thinking-block offsets, emulated streams, the Anthropic answer and adapter).
 */
export function canonicalText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const p of content) if (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string') out += (p as { text: string }).text;
  return out;
}

