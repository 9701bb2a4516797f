// Canonical answers → Responses API objects: the Response envelope (echoing the request's settings as
// OpenAI does), output items from a chat completion, and usage in Responses' names.

import type { ChatResponse, JsonValue, Usage } from '../../contracts/canonical.ts';
import { usageToResponsesWire } from '../../contracts/responses-usage.ts';
import { encodeToolUseId } from '../anthropic/tool-ids.ts';
import { encodeSignedReasoning } from './signed-reasoning.ts';
import type { ResponseObject, ResponseStatus, ResponsesOutputItem, ResponsesRequest, ResponsesUsage } from './wire-types.ts';

/** What a Response object repeats from its request, fixed once per request. */
export interface ResponseEcho {
  id: string;
  createdAt: number;
  /** The public model name the client asked for. */
  model: string;
  previousResponseId: string | null;
  store: boolean;
  request: ResponsesRequest;
}

/** A random-looking item id with OpenAI's prefixes (msg_, fc_, rs_). */
export function itemId(prefix: string, responseId: string, n: number): string {
  return `${prefix}_${responseId.replace(/^resp_/, '')}${n.toString(36).padStart(3, '0')}`;
}

export function responsesUsage(usage: Usage | undefined): ResponsesUsage | null {
  return usage ? usageToResponsesWire(usage) : null;
}

export function responseEnvelope(echo: ResponseEcho, status: ResponseStatus, output: ResponsesOutputItem[], usage: Usage | undefined): ResponseObject {
  const r = echo.request;
  const format = r.text?.format;
  return {
    id: echo.id,
    object: 'response',
    created_at: echo.createdAt,
    status,
    completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: null,
    instructions: typeof r.instructions === 'string' ? r.instructions : null,
    max_output_tokens: typeof r.max_output_tokens === 'number' ? r.max_output_tokens : null,
    model: echo.model,
    output,
    parallel_tool_calls: r.parallel_tool_calls !== false,
    previous_response_id: echo.previousResponseId,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    store: echo.store,
    temperature: typeof r.temperature === 'number' ? r.temperature : 1,
    text: { format: format && typeof format === 'object' ? (format as ResponseObject['text']['format']) : { type: 'text' } },
    tool_choice: (r.tool_choice ?? 'auto') as JsonValue,
    tools: (r.tools ?? []) as JsonValue[],
    top_p: typeof r.top_p === 'number' ? r.top_p : 1,
    truncation: 'disabled',
    usage: responsesUsage(usage),
    user: typeof r.user === 'string' ? r.user : null,
    metadata: r.metadata ?? {},
  };
}

/** Output items of a chat completion: reasoning (as a summary, signed blocks in encrypted_content), the message, then function calls. */
export function outputFromChat(res: ChatResponse, responseId: string): { output: ResponsesOutputItem[]; status: ResponseStatus; incomplete?: 'max_output_tokens' | 'content_filter' } {
  const choice = res.choices?.[0];
  const message = choice?.message;
  const output: ResponsesOutputItem[] = [];
  let n = 0;
  const reasoning = typeof message?.reasoning_content === 'string' ? message.reasoning_content : '';
  // Signed thinking (an Anthropic upstream) rides in encrypted_content, offsets and all (signed-reasoning.ts).
  const encrypted = Array.isArray(message?.thinking_blocks) ? encodeSignedReasoning(message.thinking_blocks) : undefined;
  if (reasoning || encrypted) {
    output.push({
      type: 'reasoning', id: itemId('rs', responseId, n++), summary: reasoning ? [{ type: 'summary_text', text: reasoning }] : [],
      ...(encrypted ? { encrypted_content: encrypted } : {}),
    });
  }
  const content = message?.content;
  const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (p as { text?: string }).text ?? '').join('') : '';
  const refusal = typeof message?.refusal === 'string' ? message.refusal : '';
  const finish = choice?.finish_reason;
  const itemStatus = finish === 'length' ? 'incomplete' : 'completed';
  if (text || refusal || !(message?.tool_calls?.length)) {
    output.push({
      type: 'message', id: itemId('msg', responseId, n++), role: 'assistant', status: itemStatus,
      content: refusal ? [{ type: 'refusal', refusal }] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    });
  }
  for (const call of message?.tool_calls ?? []) {
    output.push({ type: 'function_call', id: itemId('fc', responseId, n++), call_id: encodeToolUseId(call.id, call.extra_content), name: call.function.name, arguments: call.function.arguments ?? '', status: 'completed' });
  }
  if (finish === 'length') return { output, status: 'incomplete', incomplete: 'max_output_tokens' };
  if (finish === 'content_filter') return { output, status: 'incomplete', incomplete: 'content_filter' };
  return { output, status: 'completed' };
}

/** The concatenated output_text of a response (the SDK's convenience field). */
export function outputText(output: ResponsesOutputItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of (item as { content?: Array<{ type: string; text?: string }> }).content ?? []) if (part.type === 'output_text') text += part.text ?? '';
  }
  return text;
}
