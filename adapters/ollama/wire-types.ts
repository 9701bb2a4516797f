// Ollama native API wire shapes (api/types.go): POST /api/chat (NDJSON stream by default, one
// ChatResponse per line; `stream:false` for one object), POST /api/embed, GET /api/tags, and the
// `{error}` body of failures (also sent as a stream line when a stream fails midway).

import type { JsonObject, JsonValue } from '../../src/contracts/index.ts';

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments: JsonObject };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  thinking?: string;
  /** Base64 images (no data: prefix). */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface OllamaTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonObject };
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: OllamaTool[];
  /** "json" or a JSON schema. */
  format?: JsonValue;
  options?: JsonObject;
  keep_alive?: string | number;
  think?: boolean | string;
}

export interface OllamaMetrics {
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

export interface OllamaChatResponse extends OllamaMetrics {
  model?: string;
  created_at?: string;
  message?: Partial<OllamaMessage>;
  done?: boolean;
  /** stop, length, load, unload. */
  done_reason?: string;
  error?: string;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  dimensions?: number;
  truncate?: boolean;
  keep_alive?: string | number;
}

export interface OllamaEmbedResponse {
  model?: string;
  embeddings?: number[][];
  prompt_eval_count?: number;
  error?: string;
}

export interface OllamaTagsResponse {
  models?: Array<{ name?: string; model?: string }>;
}
