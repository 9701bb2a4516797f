// Canonical ChatChunk stream → Responses API SSE events, in OpenAI's order and shapes (checked against
// the openai SDK's ResponseStreamEvent types and its ResponseAccumulator):
//
//   response.created → response.in_progress →
//     (output_item.added → [content_part.added → output_text.delta* → output_text.done → content_part.done]
//                        | [function_call_arguments.delta* → function_call_arguments.done]
//                        | [reasoning_summary_part.added → reasoning_summary_text.delta* → ...done → part.done]
//      → output_item.done)*
//   → response.completed (or response.incomplete after a length/content-filter stop)
//
// Every event carries a sequence_number from 0. One item is open at a time: a new one closes the open
// one. A failure after the start ends with response.failed (never a completed). Chunks from a native
// Responses upstream carry the upstream event (`response_event`): it is forwarded with our numbering,
// our response id and model, and without encrypted reasoning unless the client asked for it.
//
// Signed thinking (an Anthropic upstream's `thinking_blocks` deltas: a signature at a thinking block's end,
// or a whole redacted block) goes into the open reasoning item (one is opened for a redacted block that
// has no text) and leaves in its `encrypted_content` (signed-reasoning.ts) at output_item.done, each block
// with its place in the turn (text streamed and tool calls begun before it), shown only when the client
// asked with include and always stored.

import type { ChatChunk, JsonObject, Usage } from '../../contracts/canonical.ts';
import type { GatewayError } from '../../contracts/errors.ts';
import { type ThinkingBlock, isThinkingBlock, placeBlock } from '../../contracts/thinking.ts';
import { encodeSignedReasoning } from './signed-reasoning.ts';
import { type ResponseEcho, itemId, responseEnvelope } from './from-canonical.ts';
import { encodeToolUseId } from '../anthropic/tool-ids.ts';
import type { ResponseObject, ResponseStatus, ResponsesOutputItem } from './wire-types.ts';

type Open = {
  kind: 'message' | 'reasoning' | 'tool'; index: number; toolIndex?: number; text: string;
  /** Reasoning: the summary part was announced; signed blocks so far; where the current block's text starts. */
  part?: boolean; blocks?: ThinkingBlock[]; blockStart?: number;
};

export interface ResponsesStreamOptions {
  echo: ResponseEcho;
  /** Keep reasoning.encrypted_content in what the client sees (it asked with include). */
  exposeEncrypted: boolean;
  /** The finished response (full output, encrypted reasoning kept) for storage. */
  onComplete(response: ResponseObject): void;
}

export class ResponsesStreamEncoder {
  private seq = 0;
  private started = false;
  private ended = false;
  private readonly output: ResponsesOutputItem[] = [];
  private open: Open | undefined;
  private readonly tools = new Map<number, number>();
  private finish: ChatChunk['choices'][number]['finish_reason'] = null;
  /** The turn's message text streamed so far (code units), for signed blocks' text_offset. */
  private textLength = 0;
  /** Native mode: the upstream's final response object. */
  private nativeFinal: JsonObject | undefined;

  constructor(private readonly opts: ResponsesStreamOptions) {}

  push(chunk: ChatChunk): string {
    if (this.ended) return '';
    const native = chunk.response_event as JsonObject | undefined;
    if (native && typeof native === 'object') return this.forward(native);
    let out = this.start();
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const d = choice.delta ?? {};
    if (typeof d.reasoning_content === 'string' && d.reasoning_content) out += this.text('reasoning', d.reasoning_content);
    for (const block of d.thinking_blocks ?? []) out += this.signed(block);
    if (typeof d.content === 'string' && d.content) {
      out += this.text('message', d.content);
      this.textLength += d.content.length;
    }
    for (const tc of d.tool_calls ?? []) out += this.tool(tc.index ?? 0, tc.id && encodeToolUseId(tc.id, tc.extra_content), tc.function?.name, tc.function?.arguments);
    if (choice.finish_reason) this.finish = choice.finish_reason;
    return out;
  }

  end(usage: Usage | undefined): string {
    if (this.ended) return '';
    if (this.nativeFinal) {
      this.ended = true;
      return '';
    }
    let out = this.start() + this.close();
    this.ended = true;
    const status: ResponseStatus = this.finish === 'length' || this.finish === 'content_filter' ? 'incomplete' : 'completed';
    const response = responseEnvelope(this.opts.echo, status, this.output, usage);
    if (status === 'incomplete') response.incomplete_details = { reason: this.finish === 'length' ? 'max_output_tokens' : 'content_filter' };
    this.opts.onComplete(response);
    out += this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.visible(response) });
    return out;
  }

  fail(err: GatewayError): string {
    if (this.ended) return '';
    let out = this.start();
    this.ended = true;
    const response = responseEnvelope(this.opts.echo, 'failed', this.output, undefined);
    response.error = { code: err.status === 429 ? 'rate_limit_exceeded' : 'server_error', message: err.message };
    out += this.event('response.failed', { response: this.visible(response) });
    return out;
  }

  private event(type: string, fields: object): string {
    const body = JSON.stringify({ type, sequence_number: this.seq++, ...fields });
    return `event: ${type}\ndata: ${body}\n\n`;
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const response = responseEnvelope(this.opts.echo, 'in_progress', [], undefined);
    response.completed_at = null;
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  /** Opens a message or reasoning item (closing the open one) unless one of that kind is open. */
  private openItem(kind: 'message' | 'reasoning'): string {
    if (this.open?.kind === kind) return '';
    let out = this.close();
    const index = this.output.length;
    const id = itemId(kind === 'message' ? 'msg' : 'rs', this.opts.echo.id, index);
    const item: ResponsesOutputItem = kind === 'message'
      ? { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] }
      : { type: 'reasoning', id, summary: [] };
    this.output.push(item);
    this.open = { kind, index, text: '' };
    out += this.event('response.output_item.added', { output_index: index, item });
    if (kind === 'message') out += this.event('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
    return out;
  }

  /** A signed block ended (or a redacted block came): kept on the open reasoning item with its place in the turn. */
  private signed(block: ThinkingBlock): string {
    if (!isThinkingBlock(block)) return '';
    const out = this.openItem('reasoning');
    const open = this.open!;
    const start = open.blockStart ?? 0;
    const whole: ThinkingBlock = block.type === 'thinking'
      ? { type: 'thinking', thinking: open.text.slice(start), signature: block.signature }
      : { type: 'redacted_thinking', data: block.data };
    (open.blocks ??= []).push(placeBlock(whole, this.textLength, this.tools.size));
    open.blockStart = open.text.length;
    return out;
  }

  private text(kind: 'message' | 'reasoning', delta: string): string {
    let out = this.openItem(kind);
    const open = this.open!;
    if (kind === 'reasoning' && !open.part) {
      open.part = true;
      const id = (this.output[open.index] as { id: string }).id;
      out += this.event('response.reasoning_summary_part.added', { item_id: id, output_index: open.index, summary_index: 0, part: { type: 'summary_text', text: '' } });
    }
    open.text += delta;
    const id = (this.output[open.index] as { id: string }).id;
    return out + (kind === 'message'
      ? this.event('response.output_text.delta', { item_id: id, output_index: open.index, content_index: 0, delta, logprobs: [] })
      : this.event('response.reasoning_summary_text.delta', { item_id: id, output_index: open.index, summary_index: 0, delta }));
  }

  private tool(toolIndex: number, callId: string | undefined, name: string | undefined, args: string | undefined): string {
    let out = '';
    let index = this.tools.get(toolIndex);
    if (index === undefined) {
      out += this.close();
      index = this.output.length;
      this.tools.set(toolIndex, index);
      const item: ResponsesOutputItem = { type: 'function_call', id: itemId('fc', this.opts.echo.id, index), call_id: callId ?? itemId('call', this.opts.echo.id, index), name: name ?? '', arguments: '', status: 'in_progress' };
      this.output.push(item);
      this.open = { kind: 'tool', index, toolIndex, text: '' };
      out += this.event('response.output_item.added', { output_index: index, item });
    }
    const item = this.output[index] as { id: string; arguments: string; name: string };
    if (name && !item.name) item.name = name;
    if (!args) return out;
    item.arguments += args;
    // A fragment for a call that was already closed (never sent by OpenAI-style upstreams) still lands on its item.
    return out + this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: args });
  }

  /** Closes the open item with its done events. */
  private close(): string {
    const open = this.open;
    if (!open) return '';
    this.open = undefined;
    const item = this.output[open.index] as ResponsesOutputItem & { id: string };
    const status = this.finish === 'length' ? 'incomplete' : 'completed';
    let out = '';
    if (open.kind === 'message') {
      const part = { type: 'output_text' as const, text: open.text, annotations: [], logprobs: [] };
      out += this.event('response.output_text.done', { item_id: item.id, output_index: open.index, content_index: 0, text: open.text, logprobs: [] });
      out += this.event('response.content_part.done', { item_id: item.id, output_index: open.index, content_index: 0, part });
      Object.assign(item, { status, content: [part] });
    } else if (open.kind === 'reasoning') {
      if (open.part) {
        const part = { type: 'summary_text' as const, text: open.text };
        out += this.event('response.reasoning_summary_text.done', { item_id: item.id, output_index: open.index, summary_index: 0, text: open.text });
        out += this.event('response.reasoning_summary_part.done', { item_id: item.id, output_index: open.index, summary_index: 0, part });
        Object.assign(item, { summary: [part] });
      }
      const encrypted = open.blocks ? encodeSignedReasoning(open.blocks) : undefined;
      if (encrypted) Object.assign(item, { encrypted_content: encrypted });
    } else {
      const call = item as { id: string; name: string; arguments: string };
      out += this.event('response.function_call_arguments.done', { item_id: call.id, output_index: open.index, name: call.name, arguments: call.arguments });
      Object.assign(item, { status: 'completed' });
    }
    const shown = this.opts.exposeEncrypted ? item : hideEncrypted(item as JsonObject);
    return out + this.event('response.output_item.done', { output_index: open.index, item: shown });
  }

  /** Native mode: forwards an upstream event under our numbering, id and model. */
  private forward(event: JsonObject): string {
    const type = String(event.type ?? '');
    if (!type || type === 'error' || type === 'response.failed') return ''; // the decoder reports these as errors
    this.started = true;
    const fields: JsonObject = { ...event };
    delete fields.type;
    delete fields.sequence_number;
    if (fields.response && typeof fields.response === 'object') {
      const upstream = fields.response as unknown as ResponseObject;
      const own: ResponseObject = {
        ...upstream, id: this.opts.echo.id, model: this.opts.echo.model, previous_response_id: this.opts.echo.previousResponseId,
        store: this.opts.echo.store, metadata: this.opts.echo.request.metadata ?? {}, user: this.opts.echo.request.user ?? null,
        instructions: typeof this.opts.echo.request.instructions === 'string' ? this.opts.echo.request.instructions : null,
        text: this.opts.echo.request.text?.format ? { ...upstream.text, format: this.opts.echo.request.text.format as JsonObject } : upstream.text,
      };
      if (type === 'response.completed' || type === 'response.incomplete') {
        this.nativeFinal = own as unknown as JsonObject;
        this.opts.onComplete(own);
      }
      fields.response = this.visible(own) as unknown as JsonObject;
    }
    if (fields.item && typeof fields.item === 'object' && !this.opts.exposeEncrypted) fields.item = hideEncrypted(fields.item as JsonObject);
    return this.event(type, fields);
  }

  /** What the client sees of a response: without encrypted reasoning unless asked, and no output_text. */
  private visible(response: ResponseObject): ResponseObject {
    const output = this.opts.exposeEncrypted ? response.output : response.output.map((i) => hideEncrypted(i as JsonObject) as ResponsesOutputItem);
    const copy = { ...response, output };
    delete copy.output_text;
    return copy;
  }
}

export function hideEncrypted(item: JsonObject): JsonObject {
  if (item.type !== 'reasoning' || !('encrypted_content' in item)) return item;
  const copy = { ...item };
  delete copy.encrypted_content;
  return copy;
}

