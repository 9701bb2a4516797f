// Amazon Bedrock Runtime Converse / ConverseStream wire shapes (bedrock-runtime 2023-09-30 service
// model): the request body (the model id is in the path), the Converse response, the ConverseStream
// event payloads (one per AWS event-stream message, named by its :event-type header) and the
// exception body ({message}).

import type { JsonObject } from '../../src/contracts/index.ts';

export interface BedrockToolUse {
  toolUseId: string;
  name: string;
  input: JsonObject;
}

export interface BedrockToolResult {
  toolUseId: string;
  content: Array<{ text: string } | { json: JsonObject }>;
  status?: 'success' | 'error';
}

export interface BedrockImage {
  format: 'png' | 'jpeg' | 'gif' | 'webp';
  source: { bytes: string };
}

/** ContentBlock: a union, exactly one member set. */
export interface BedrockContentBlock {
  text?: string;
  image?: BedrockImage;
  toolUse?: BedrockToolUse;
  toolResult?: BedrockToolResult;
  reasoningContent?: { reasoningText?: { text: string; signature?: string }; redactedContent?: string };
}

export interface BedrockMessage {
  role: 'user' | 'assistant';
  content: BedrockContentBlock[];
}

export interface BedrockTool {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonObject } };
}

export type BedrockToolChoice = { auto: JsonObject } | { any: JsonObject } | { tool: { name: string } };

export interface BedrockConverseRequest {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: BedrockTool[]; toolChoice?: BedrockToolChoice };
  additionalModelRequestFields?: JsonObject;
}

export interface BedrockTokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** end_turn, tool_use, max_tokens, stop_sequence, guardrail_intervened, content_filtered, ... */
export type BedrockStopReason = string;

export interface BedrockConverseResponse {
  output?: { message?: BedrockMessage };
  stopReason?: BedrockStopReason;
  usage?: BedrockTokenUsage;
  metrics?: { latencyMs?: number };
}

export interface ContentBlockStartEvent {
  contentBlockIndex: number;
  start?: { toolUse?: { toolUseId: string; name: string } };
}

export interface ContentBlockDeltaEvent {
  contentBlockIndex: number;
  delta?: { text?: string; toolUse?: { input: string }; reasoningContent?: { text?: string; signature?: string } };
}

export interface MessageStopEvent {
  stopReason?: BedrockStopReason;
}

export interface MetadataEvent {
  usage?: BedrockTokenUsage;
  metrics?: { latencyMs?: number };
}
