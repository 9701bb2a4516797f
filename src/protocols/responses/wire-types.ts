// OpenAI Responses API wire shapes for the INBOUND protocol (what the `openai` SDK's responses.create /
// responses.stream, Codex CLI and the Agents SDK send to POST /v1/responses), checked against the
// `openai` SDK typings (resources/responses/responses.d.ts). Only the fields the gateway reads or writes.

import type { JsonObject, JsonValue } from '../../contracts/canonical.ts';

export interface ResponsesRequest {
  model?: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  tools?: ResponsesTool[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: string; name?: string };
  parallel_tool_calls?: boolean | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  text?: { format?: { type: 'text' | 'json_object' | 'json_schema'; name?: string; schema?: JsonObject; strict?: boolean | null; description?: string }; verbosity?: string };
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  metadata?: Record<string, string> | null;
  store?: boolean | null;
  stream?: boolean | null;
  user?: string;
  previous_response_id?: string | null;
  include?: string[] | null;
  [extra: string]: unknown;
}

/** An input item; `type` is optional on messages (EasyInputMessage). */
export type ResponsesInputItem = JsonObject & { type?: string };

export interface ResponsesFunctionTool { type: 'function'; name: string; description?: string | null; parameters?: JsonObject | null; strict?: boolean | null }
export type ResponsesTool = ResponsesFunctionTool | (JsonObject & { type: string });

export interface ResponsesOutputText { type: 'output_text'; text: string; annotations: JsonValue[]; logprobs?: JsonValue[] }
export interface ResponsesOutputMessage { type: 'message'; id: string; role: 'assistant'; status: ItemStatus; content: Array<ResponsesOutputText | { type: 'refusal'; refusal: string }> }
export interface ResponsesFunctionCall { type: 'function_call'; id: string; call_id: string; name: string; arguments: string; status: ItemStatus }
export interface ResponsesReasoning { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }>; content?: Array<{ type: 'reasoning_text'; text: string }>; encrypted_content?: string | null; status?: ItemStatus }
export type ResponsesOutputItem = ResponsesOutputMessage | ResponsesFunctionCall | ResponsesReasoning | (JsonObject & { type: string; id?: string });

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete';

/** The Response object (GET /v1/responses/{id}, the non-streamed answer, and inside lifecycle events). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at?: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: ResponsesOutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: JsonObject };
  tool_choice: JsonValue;
  tools: JsonValue[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  /** Convenience field the SDK also computes; the API itself does not send it. */
  output_text?: string;
}
