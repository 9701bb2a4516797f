// Canonical chunk stream → streamGenerateContent output. Each event is one GenerateContentResponse:
// `data: {...}\r\n\r\n` with `alt=sse` (what @google/genai and Gemini CLI ask for), otherwise one JSON
// array streamed element by element, as Google serves it without alt=sse.
//
// Text (and, when asked for, thought) deltas go out as they arrive. Tool-call fragments are collected
// per call, because a Gemini functionCall part always carries complete args; they go out with the
// candidate's finishReason. The last event carries usageMetadata, written by finish() since usage
// arrives after the finish_reason. A failure after the stream started ends it with one
// `{"error":{code,message,status}}` event (no finishReason: a cut answer never looks complete).

import type { ChatChunk, GatewayError, JsonObject, Usage } from '../../contracts/index.ts';
import { geminiErrorFromGateway } from './errors.ts';
import { functionCallPart, geminiFinishReason, geminiUsage, type GeminiPartOut } from './from-canonical.ts';

interface PendingCall { id: string; name: string; arguments: string; extra?: JsonObject }

export interface GeminiStreamOptions {
  model: string;
  /** `alt=sse` was asked for; otherwise a streamed JSON array. */
  sse: boolean;
  includeThoughts: boolean;
}

export class GeminiStreamEncoder {
  private readonly options: GeminiStreamOptions;
  private sent = 0;
  private closed = false;
  private responseId = '';
  /** Per choice: tool calls being assembled (by canonical tool index). */
  private readonly calls = new Map<number, Map<number, PendingCall>>();
  /** Candidates that finished, held until finish() adds usage. */
  private readonly finished: Array<{ index: number; parts: GeminiPartOut[]; finishReason: string }> = [];

  constructor(options: GeminiStreamOptions) {
    this.options = options;
  }

  get contentType(): string {
    return this.options.sse ? 'text/event-stream; charset=utf-8' : 'application/json; charset=utf-8';
  }

  chunk(chunk: ChatChunk): string {
    if (this.closed) return '';
    if (!this.responseId && chunk.id) this.responseId = chunk.id;
    let out = '';
    for (const choice of chunk.choices ?? []) {
      const parts: GeminiPartOut[] = [];
      const delta = choice.delta ?? {};
      if (this.options.includeThoughts && typeof delta.reasoning_content === 'string' && delta.reasoning_content) parts.push({ text: delta.reasoning_content, thought: true });
      if (typeof delta.content === 'string' && delta.content) parts.push({ text: delta.content });
      for (const fragment of delta.tool_calls ?? []) this.collect(choice.index, fragment);
      if (parts.length) out += this.event({ candidates: [{ index: choice.index, content: { role: 'model', parts } }] });
      if (choice.finish_reason) {
        this.finished.push({ index: choice.index, parts: this.takeCalls(choice.index), finishReason: geminiFinishReason(choice.finish_reason) ?? 'STOP' });
      }
    }
    return out;
  }

  finish(usage: Usage | undefined): string {
    if (this.closed) return '';
    for (const index of this.calls.keys()) this.finished.push({ index, parts: this.takeCalls(index), finishReason: 'STOP' });
    if (!this.finished.length) this.finished.push({ index: 0, parts: [], finishReason: 'STOP' });
    const body: JsonObject = {
      candidates: this.finished.map((c) => ({ index: c.index, content: { role: 'model', parts: c.parts }, finishReason: c.finishReason })),
    };
    if (usage) body.usageMetadata = geminiUsage(usage);
    const out = this.event(body);
    this.closed = true;
    return out + (this.options.sse ? '' : ']');
  }

  fail(error: Pick<GatewayError, 'status' | 'message'>): string {
    if (this.closed) return '';
    const out = this.event(geminiErrorFromGateway(error) as unknown as JsonObject, false);
    this.closed = true;
    return out + (this.options.sse ? '' : ']');
  }

  private collect(choice: number, fragment: NonNullable<ChatChunk['choices'][number]['delta']['tool_calls']>[number]): void {
    let calls = this.calls.get(choice);
    if (!calls) this.calls.set(choice, (calls = new Map()));
    let call = calls.get(fragment.index);
    if (!call) calls.set(fragment.index, (call = { id: '', name: '', arguments: '' }));
    if (fragment.id) call.id = fragment.id;
    if (fragment.function?.name) call.name += fragment.function.name;
    if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
    if (fragment.extra_content) call.extra = fragment.extra_content;
  }

  private takeCalls(choice: number): GeminiPartOut[] {
    const calls = this.calls.get(choice);
    this.calls.delete(choice);
    if (!calls) return [];
    return [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([i, c]) => functionCallPart({ id: c.id || `call_${i}`, function: { name: c.name, arguments: c.arguments }, extra_content: c.extra }));
  }

  private event(body: JsonObject, withMeta = true): string {
    if (withMeta) {
      body.modelVersion = this.options.model;
      if (this.responseId) body.responseId = this.responseId;
    }
    const json = JSON.stringify(body);
    const first = this.sent++ === 0;
    if (this.options.sse) return `data: ${json}\r\n\r\n`;
    return (first ? '[' : ',\r\n') + json;
  }
}
