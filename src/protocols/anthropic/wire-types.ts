// Anthropic Messages API wire shapes for the INBOUND protocol (clients such as Claude Code and
// @anthropic-ai/sdk calling the gateway's POST /v1/messages). Field names follow Anthropic's API
// reference (Messages, streaming events, count_tokens, errors) as mirrored by the official SDK's
// types; only the subset the gateway reads or writes is modelled, everything else is open-ended.

import type { JsonObject, JsonValue } from '../../contracts/index.ts';

// ---------------------------------------------------------------------------------------------
// Request side
// ---------------------------------------------------------------------------------------------

export interface AnthropicCacheControl { type: 'ephemeral'; ttl?: string }

export interface AnthropicTextBlockParam {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl | null;
  citations?: JsonValue[] | null;
}

export interface AnthropicBase64ImageSource {
  type: 'base64';
  media_type: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp' | string;
  data: string;
}
export interface AnthropicUrlImageSource { type: 'url'; url: string }
export interface AnthropicFileImageSource { type: 'file'; file_id: string }

export interface AnthropicImageBlockParam {
  type: 'image';
  source: AnthropicBase64ImageSource | AnthropicUrlImageSource | AnthropicFileImageSource;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolUseBlockParam {
  type: 'tool_use';
  id: string;
  name: string;
  input: JsonValue;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicToolResultBlockParam {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlockParam | AnthropicImageBlockParam | ({ type: string } & JsonObject)>;
  is_error?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

export interface AnthropicThinkingBlockParam { type: 'thinking'; thinking: string; signature: string }
export interface AnthropicRedactedThinkingBlockParam { type: 'redacted_thinking'; data: string }

export type AnthropicContentBlockParam =
  | AnthropicTextBlockParam
  | AnthropicImageBlockParam
  | AnthropicToolUseBlockParam
  | AnthropicToolResultBlockParam
  | AnthropicThinkingBlockParam
  | AnthropicRedactedThinkingBlockParam;

export interface AnthropicMessageParam {
  /** 'system' turns exist in recent API versions (SystemMessageParam); user/assistant are the norm. */
  role: 'user' | 'assistant' | 'system';
  content: string | AnthropicContentBlockParam[];
}

/** A client-defined tool (`type` absent or 'custom'). Server tools (web_search_*, bash_*, ...) carry other types. */
export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: JsonObject;
  type?: 'custom' | string | null;
  cache_control?: AnthropicCacheControl | null;
  strict?: boolean;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicMetadata { user_id?: string | null }

export interface AnthropicThinkingConfig { type: 'enabled' | 'disabled' | 'adaptive' | string; budget_tokens?: number }

/** POST /v1/messages body. */
export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlockParam[];
  metadata?: AnthropicMetadata;
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: AnthropicThinkingConfig;
  [extra: string]: JsonValue | undefined | object;
}

/** POST /v1/messages/count_tokens body: the messages body without max_tokens (and without stream). */
export type AnthropicCountTokensRequest = Omit<AnthropicMessagesRequest, 'max_tokens' | 'stream'> & { max_tokens?: number };

/** POST /v1/messages/count_tokens reply (MessageTokensCount). */
export interface AnthropicCountTokensResponse { input_tokens: number }

// ---------------------------------------------------------------------------------------------
// Response side
// ---------------------------------------------------------------------------------------------

export interface AnthropicTextBlock { type: 'text'; text: string }
export interface AnthropicThinkingBlock { type: 'thinking'; thinking: string; signature: string }
export interface AnthropicToolUseBlock { type: 'tool_use'; id: string; name: string; input: JsonValue }

export interface AnthropicRedactedThinkingBlock { type: 'redacted_thinking'; data: string }
export type AnthropicContentBlock = AnthropicTextBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock | AnthropicToolUseBlock;

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

/**
 * Usage as the gateway reports it. Anthropic's total input is input_tokens + cache_creation_input_tokens
 * + cache_read_input_tokens, so input_tokens here excludes cached prompt tokens.
 */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  /** Prompt tokens written to the cache (only reported when there were any). */
  cache_creation_input_tokens?: number;
}

/** The non-stream Message object. */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ---------------------------------------------------------------------------------------------
// Streaming events (each sent as `event: <type>\ndata: <json>\n\n`)
// ---------------------------------------------------------------------------------------------

export interface AnthropicMessageStartEvent { type: 'message_start'; message: AnthropicMessage }

export interface AnthropicContentBlockStartEvent {
  type: 'content_block_start';
  index: number;
  content_block: AnthropicContentBlock;
}

export type AnthropicBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'input_json_delta'; partial_json: string };

export interface AnthropicContentBlockDeltaEvent { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
export interface AnthropicContentBlockStopEvent { type: 'content_block_stop'; index: number }

/** message_delta usage counters are cumulative; output_tokens is always present. */
export interface AnthropicMessageDeltaUsage {
  output_tokens: number;
  input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface AnthropicMessageDeltaEvent {
  type: 'message_delta';
  delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
  usage: AnthropicMessageDeltaUsage;
}

export interface AnthropicMessageStopEvent { type: 'message_stop' }
export interface AnthropicPingEvent { type: 'ping' }
export interface AnthropicErrorEvent { type: 'error'; error: { type: AnthropicErrorType; message: string } }

export type AnthropicStreamEvent =
  | AnthropicMessageStartEvent
  | AnthropicContentBlockStartEvent
  | AnthropicContentBlockDeltaEvent
  | AnthropicContentBlockStopEvent
  | AnthropicMessageDeltaEvent
  | AnthropicMessageStopEvent
  | AnthropicPingEvent
  | AnthropicErrorEvent;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Anthropic's documented error types (HTTP errors page + the SDK's ErrorType union). */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** Error body: `{"type":"error","error":{"type","message"},"request_id"}`. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string | null;
}
