// OpenAI chat request → Cohere v2 /chat. Messages keep their roles (developer → system); an
// assistant turn's reasoning_content travels back as Cohere's tool_plan; tools keep OpenAI's shape
// (minus `strict`); tool_choice "required" / "none" become REQUIRED / NONE (Cohere cannot force one
// named tool, so a named choice is REQUIRED); top_p → p, stop → stop_sequences, response_format
// json_object / json_schema → json_object (with the schema).

import {
  type AdapterRequest, type ChatMessage, type ChatRequest, type ContentPart, type ProviderView, type UpstreamRequest, errors,
} from '../../src/contracts/index.ts';
import { cohereHeaders, cohereUrl } from './endpoint.ts';
import type { CohereChatRequest, CohereContent, CohereMessage } from './wire-types.ts';

export function buildCohereChat(request: AdapterRequest, provider: ProviderView): UpstreamRequest {
  const body = request.body as unknown as ChatRequest;
  const wire: CohereChatRequest = { model: request.upstreamModel, messages: (body.messages ?? []).map(toCohere), stream: request.stream };
  if (body.tools?.length) {
    wire.tools = body.tools.map((t) => ({ type: 'function', function: { name: t.function.name, description: t.function.description, parameters: t.function.parameters ?? { type: 'object', properties: {} } } }));
  }
  if (body.tool_choice === 'required' || (typeof body.tool_choice === 'object' && body.tool_choice)) wire.tool_choice = 'REQUIRED';
  else if (body.tool_choice === 'none') wire.tool_choice = 'NONE';
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (typeof max === 'number') wire.max_tokens = max;
  if (typeof body.temperature === 'number') wire.temperature = body.temperature;
  if (typeof body.top_p === 'number') wire.p = body.top_p;
  if (body.stop !== undefined && body.stop !== null) wire.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  for (const field of ['seed', 'frequency_penalty', 'presence_penalty'] as const) {
    if (typeof body[field] === 'number') wire[field] = body[field] as number;
  }
  const format = body.response_format;
  if (format?.type === 'json_object') wire.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') wire.response_format = { type: 'json_object', json_schema: (format.json_schema?.schema as object | undefined) ?? {} };
  return { url: cohereUrl(provider, '/v2/chat'), method: 'POST', headers: cohereHeaders(provider), body: JSON.stringify(wire) };
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

function toCohere(m: ChatMessage, i: number): CohereMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: text(m.content) };
    case 'user':
      if (typeof m.content === 'string') return { role: 'user', content: m.content };
      return { role: 'user', content: (m.content ?? []).map((p, j) => userPart(p, i, j)) };
    case 'assistant': {
      const out: Extract<CohereMessage, { role: 'assistant' }> = { role: 'assistant' };
      const t = text(m.content);
      if (t) out.content = t;
      if (m.tool_calls?.length) {
        out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments || '{}' } }));
        if (typeof m.reasoning_content === 'string' && m.reasoning_content) out.tool_plan = m.reasoning_content;
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', tool_call_id: m.tool_call_id ?? '', content: text(m.content) };
    default:
      throw errors.invalidValue(`messages[${i}].role`, `Cohere cannot take "${m.role}" messages; use system, user, assistant and tool.`);
  }
}

function userPart(p: ContentPart, i: number, j: number): CohereContent {
  if (p.type === 'text') return { type: 'text', text: String((p as { text?: unknown }).text ?? '') };
  if (p.type === 'image_url') return { type: 'image_url', image_url: { url: String((p as { image_url?: { url?: unknown } }).image_url?.url ?? '') } };
  throw errors.invalidValue(`messages[${i}].content[${j}].type`, `Cohere cannot take "${p.type}" content; send text and image_url parts.`);
}
