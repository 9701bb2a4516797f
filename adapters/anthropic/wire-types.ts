// Anthropic Messages API wire types (POST /v1/messages, anthropic-version 2023-06-01), limited to the
// fields this adapter reads or writes. Names follow Anthropic's API reference and streaming docs.

import type { AnthropicExtra, AnthropicThinkingConfig, JsonObject, JsonValue } from '../../src/contracts/index.ts';

// ---- request ---------------------------------------------------------------------------------

/** Prompt-cache breakpoint: the prefix up to and including this block is cached. */
export interface AnthropicCacheControl {
  type: string;
  ttl?: string;
}

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicBase64ImageSource {
  type: 'base64';
  media_type: string;
  data: string;
}

export interface AnthropicUrlImageSource {
  type: 'url';
  url: string;
}

export interface AnthropicImageBlock {
  type: 'image';
  source: AnthropicBase64ImageSource | AnthropicUrlImageSource;
  cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlockParam {
  type: 'tool_use';
  id: string;
  name: string;
  input: JsonObject;
}

export interface AnthropicToolResultBlockParam {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<AnthropicTextBlock | AnthropicImageBlock | AnthropicClientBlock>;
  is_error?: boolean;
  cache_control?: AnthropicCacheControl;
}

/** A block the Anthropic surface's client sent (document, search_result, or a text/image block with its own
 *  fields), passed on as sent (src/contracts/anthropic-blocks.ts). */
export interface AnthropicClientBlock { type: 'document' | 'search_result'; [field: string]: JsonValue }

/** Signed reasoning sent back exactly as Anthropic issued it. */
export interface AnthropicThinkingBlockParam { type: 'thinking'; thinking: string; signature: string }
export interface AnthropicRedactedThinkingBlockParam { type: 'redacted_thinking'; data: string }

export type AnthropicContentBlockParam =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicToolUseBlockParam
  | AnthropicToolResultBlockParam
  | AnthropicClientBlock
  | AnthropicThinkingBlockParam
  | AnthropicRedactedThinkingBlockParam;

export interface AnthropicMessageParam {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlockParam[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: JsonObject;
  strict?: boolean;
  cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

/** The Messages body; Anthropic-only extras (output_config, context_management, ...) as the client sent them. */
export interface AnthropicRequestBody extends AnthropicExtra {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicTextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  metadata?: { user_id?: string };
  stream?: boolean;
  /** Extended thinking: the Anthropic client's own object, else from OpenAI's reasoning_effort. */
  thinking?: AnthropicThinkingConfig | { type: 'enabled'; budget_tokens: number };
}

// ---- response --------------------------------------------------------------------------------

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** Newer API versions: `thinking_tokens` is the reasoning share of output_tokens. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export interface AnthropicTextContent { type: 'text'; text: string }
export interface AnthropicThinkingContent { type: 'thinking'; thinking: string; signature?: string }
export interface AnthropicRedactedThinkingContent { type: 'redacted_thinking'; data: string }
export interface AnthropicToolUseContent { type: 'tool_use'; id: string; name: string; input?: unknown }
/** Server tools, search results and future block types: ignored by this adapter. */
export interface AnthropicOtherContent { type: string; [key: string]: unknown }

export type AnthropicContentBlock =
  | AnthropicTextContent
  | AnthropicThinkingContent
  | AnthropicRedactedThinkingContent
  | AnthropicToolUseContent
  | AnthropicOtherContent;

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

// ---- errors ----------------------------------------------------------------------------------

/** `invalid_request_error`, `authentication_error`, `billing_error`, `permission_error`, `not_found_error`,
 *  `request_too_large`, `rate_limit_error`, `api_error`, `timeout_error`, `overloaded_error`, ... */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id?: string;
}

// ---- stream events ---------------------------------------------------------------------------

export interface AnthropicTextDelta { type: 'text_delta'; text: string }
export interface AnthropicInputJsonDelta { type: 'input_json_delta'; partial_json: string }
export interface AnthropicThinkingDelta { type: 'thinking_delta'; thinking: string }
export interface AnthropicSignatureDelta { type: 'signature_delta'; signature: string }
export interface AnthropicOtherDelta { type: string; [key: string]: unknown }

export type AnthropicBlockDelta =
  | AnthropicTextDelta
  | AnthropicInputJsonDelta
  | AnthropicThinkingDelta
  | AnthropicSignatureDelta
  | AnthropicOtherDelta;

export interface MessageStartEvent { type: 'message_start'; message: AnthropicMessage }
export interface ContentBlockStartEvent { type: 'content_block_start'; index: number; content_block: AnthropicContentBlock }
export interface ContentBlockDeltaEvent { type: 'content_block_delta'; index: number; delta: AnthropicBlockDelta }
export interface ContentBlockStopEvent { type: 'content_block_stop'; index: number }
export interface MessageDeltaEvent {
  type: 'message_delta';
  delta: { stop_reason?: AnthropicStopReason | null; stop_sequence?: string | null };
  /** Cumulative counts: the last message_delta wins. */
  usage?: AnthropicUsage;
}
export interface MessageStopEvent { type: 'message_stop' }
export interface PingEvent { type: 'ping' }
export interface ErrorEvent { type: 'error'; error: { type: string; message: string } }

export type AnthropicStreamEvent =
  | MessageStartEvent
  | ContentBlockStartEvent
  | ContentBlockDeltaEvent
  | ContentBlockStopEvent
  | MessageDeltaEvent
  | MessageStopEvent
  | PingEvent
  | ErrorEvent;
