// A strict fake Ollama server (api/types.go and docs/api.md): POST /api/chat (NDJSON lines, one
// ChatResponse each, the last `done:true` with done_reason and the token counts; `stream:false` gives
// one object), POST /api/embed, GET /api/tags. It rejects unknown fields, a missing `stream` (Ollama
// streams by default, so the gateway must always say), tool calls whose arguments are not objects, and
// a tool result without the tool_name of the call it answers. Errors are `{"error": "..."}`.

import { type Spec, any, arr, bool, check, num, oneOf, obj, str } from './spec.ts';
import { type Incoming, type StrictFake, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

const toolCall = obj({ id: str(), 'function!': obj({ index: num({ int: true, min: 0 }), 'name!': str({ nonEmpty: true }), 'arguments!': obj({}, { open: true }) }) });
const message = obj({
  'role!': str({ enum: ['system', 'user', 'assistant', 'tool'] }),
  'content!': str(),
  thinking: str(),
  images: arr(str({ pattern: /^[A-Za-z0-9+/]+={0,2}$/ }), 1),
  tool_calls: arr(toolCall, 1),
  tool_name: str({ nonEmpty: true }),
  tool_call_id: str({ nonEmpty: true }),
});

export const CHAT_REQUEST: Spec = obj({
  'model!': str({ nonEmpty: true }),
  'messages!': arr(message, 1),
  'stream!': bool,
  tools: arr(obj({ 'type!': str({ enum: ['function'] }), 'function!': obj({ 'name!': str({ nonEmpty: true }), description: str(), parameters: obj({}, { open: true }) }) }), 1),
  format: oneOf(str({ enum: ['json'] }), obj({}, { open: true })),
  options: obj({ temperature: num(), top_p: num(), num_predict: num({ int: true }), stop: arr(str()), seed: num({ int: true }), presence_penalty: num(), frequency_penalty: num(), num_ctx: num({ int: true }) }),
  keep_alive: oneOf(str(), num()),
  think: oneOf(bool, str({ enum: ['low', 'medium', 'high'] })),
});

const EMBED_REQUEST: Spec = obj({ 'model!': str({ nonEmpty: true }), 'input!': oneOf(str(), arr(str(), 1)), dimensions: num({ int: true, min: 1 }), truncate: bool, keep_alive: any, options: any });

export interface OllamaAnswer {
  text?: string;
  thinking?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  promptTokens: number;
  completionTokens: number;
  doneReason?: string;
  /** NDJSON lines to fail with after the first content line (mid-stream error). */
  failMidStream?: string;
}

export interface OllamaFake extends StrictFake {
  answer(...answers: OllamaAnswer[]): void;
}

const encoder = new TextEncoder();

function ndjson(lines: string[]): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= lines.length) return controller.close();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(encoder.encode(`${lines[i++]}\n`));
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/x-ndjson' } });
}

export function chatLines(model: string, a: OllamaAnswer): string[] {
  const at = '2026-12-01T10:00:00.000000Z';
  const line = (message: object, extra: object = {}) => JSON.stringify({ model, created_at: at, message: { role: 'assistant', content: '', ...message }, done: false, ...extra });
  const lines: string[] = [];
  if (a.thinking) lines.push(line({ thinking: a.thinking }));
  const words = (a.text ?? '').split(/(?<= )/).filter(Boolean);
  for (const word of words) lines.push(line({ content: word }));
  if (a.failMidStream) return [...lines.slice(0, 1), JSON.stringify({ error: a.failMidStream })];
  if (a.toolCalls?.length) lines.push(line({ tool_calls: a.toolCalls.map((c, index) => ({ function: { index, name: c.name, arguments: c.arguments } })) }));
  lines.push(JSON.stringify({
    model, created_at: at, message: { role: 'assistant', content: '' }, done: true, done_reason: a.doneReason ?? 'stop',
    total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: a.promptTokens, prompt_eval_duration: 1000,
    eval_count: a.completionTokens, eval_duration: 1000,
  }));
  return lines;
}

function chatObject(model: string, a: OllamaAnswer): object {
  const message: Record<string, unknown> = { role: 'assistant', content: a.text ?? '' };
  if (a.thinking) message.thinking = a.thinking;
  if (a.toolCalls?.length) message.tool_calls = a.toolCalls.map((c, index) => ({ function: { index, name: c.name, arguments: c.arguments } }));
  return {
    model, created_at: '2026-12-01T10:00:00.000000Z', message, done: true, done_reason: a.doneReason ?? 'stop',
    total_duration: 1_000_000, load_duration: 1000, prompt_eval_count: a.promptTokens, prompt_eval_duration: 1000,
    eval_count: a.completionTokens, eval_duration: 1000,
  };
}

/** Every tool message must name the function of an earlier assistant tool call. */
function toolNameProblems(body: { messages?: Array<Record<string, unknown>> }): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  (body.messages ?? []).forEach((m, i) => {
    for (const call of (m.tool_calls as Array<{ function: { name: string } }> | undefined) ?? []) names.add(call.function.name);
    if (m.role === 'tool' && !names.has(String(m.tool_name))) problems.push(`messages[${i}].tool_name must name an earlier tool call (got ${JSON.stringify(m.tool_name)})`);
  });
  return problems;
}

export function startOllamaFake(opts: { clientKey: string; models: string[]; apiKey?: string }): OllamaFake {
  const answers: OllamaAnswer[] = [];
  const next = () => answers.shift() ?? { text: 'Hello from Ollama.', promptTokens: 11, completionTokens: 4 };
  const error = (status: number, message: string) => new Response(JSON.stringify({ error: message }), { status, headers: { 'content-type': 'application/json' } });
  const fake = startStrictFake({
    name: 'Ollama',
    isStream: (i) => (i.body as { stream?: unknown } | undefined)?.stream === true,
    errorResponse: error,
    validate(i: Incoming) {
      const problems = noClientCredentials(i, opts.clientKey);
      if (opts.apiKey && i.headers.get('authorization') !== `Bearer ${opts.apiKey}`) problems.push('401 unauthorized');
      if (i.url.pathname === '/api/tags') return i.method === 'GET' ? problems : [...problems, '/api/tags takes GET'];
      problems.push(...jsonContentType(i));
      if (i.url.pathname === '/api/chat') {
        problems.push(...check(i.body, CHAT_REQUEST), ...toolNameProblems(i.body as { messages?: Array<Record<string, unknown>> }));
      } else if (i.url.pathname === '/api/embed') problems.push(...check(i.body, EMBED_REQUEST));
      else problems.push(`404 unknown path ${i.url.pathname}`);
      const model = (i.body as { model?: string } | undefined)?.model;
      if (model && !opts.models.includes(model)) problems.push(`404 model '${model}' not found`);
      return problems;
    },
    defaultTurn: {
      respond(i) {
        if (i.url.pathname === '/api/tags') {
          return Response.json({ models: opts.models.map((name) => ({ name, model: name, modified_at: '2026-11-01T00:00:00Z', size: 1, digest: 'abc', details: {} })) });
        }
        const body = i.body as { model: string; input?: string | string[] };
        if (i.url.pathname === '/api/embed') {
          const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
          return Response.json({ model: body.model, embeddings: inputs.map((t, k) => [t.length / 10, 0.5, -0.25, k]), total_duration: 1, load_duration: 1, prompt_eval_count: inputs.length * 3 });
        }
        const a = next();
        return i.stream ? ndjson(chatLines(body.model, a)) : Response.json(chatObject(body.model, a));
      },
    },
  });
  return Object.assign(fake, { answer: (...a: OllamaAnswer[]) => void answers.push(...a) });
}
