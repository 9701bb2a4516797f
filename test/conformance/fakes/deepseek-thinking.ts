// A strict fake of DeepSeek's chat completions in thinking mode (Bun.serve on 127.0.0.1, random port).
// It enforces what api-docs.deepseek.com/guides/thinking_mode says: an assistant turn that made tool
// calls must come back with its `reasoning_content` in every later request, else 400 "The
// reasoning_content in the thinking mode must be passed back to the API."; and, like a strict
// OpenAI-compatible server, it refuses message fields it does not define (signed thinking_blocks,
// Gemini's extra_content, is_error). Each answer carries reasoning_content; while the conversation has
// fewer than `toolSteps` assistant turns and tools are offered, it calls a tool, else it answers.

const MESSAGE_FIELDS: Record<string, readonly string[]> = {
  system: ['role', 'content', 'name'],
  user: ['role', 'content', 'name'],
  assistant: ['role', 'content', 'name', 'tool_calls', 'reasoning_content', 'prefix'],
  tool: ['role', 'content', 'tool_call_id'],
};

type Msg = { role?: string; tool_calls?: Array<Record<string, unknown>>; reasoning_content?: unknown; [k: string]: unknown };
type Body = { model?: string; messages?: Msg[]; tools?: Array<{ function?: { name?: string } }>; stream?: boolean };

export interface DeepSeekFake {
  url: string;
  /** Request bodies, in order. */
  requests: Body[];
  /** The 400 messages it answered. */
  rejections: string[];
  reset(): void;
  stop(): void;
}

/** The reasoning text the fake gives for the answer at assistant turn `turn` (0-based). */
export const reasoningAt = (turn: number) => `DeepSeek reasoning for step ${turn}: which tool next?`;

function problem(body: Body, apiKey: string, auth: string | null): string | undefined {
  if (auth !== `Bearer ${apiKey}`) return 'Authentication Fails (bad api key)';
  if (!Array.isArray(body.messages)) return 'messages: field required';
  for (const [i, m] of body.messages.entries()) {
    const allowed = MESSAGE_FIELDS[String(m.role)];
    if (!allowed) return `messages[${i}].role: unknown role ${String(m.role)}`;
    const extra = Object.keys(m).find((k) => !allowed.includes(k));
    if (extra) return `messages[${i}]: unknown field "${extra}"`;
    for (const call of m.tool_calls ?? []) {
      const extraCall = Object.keys(call).find((k) => !['id', 'type', 'function', 'index'].includes(k));
      if (extraCall) return `messages[${i}].tool_calls: unknown field "${extraCall}"`;
    }
    if (m.role === 'assistant' && m.tool_calls?.length && typeof m.reasoning_content !== 'string') {
      return 'The reasoning_content in the thinking mode must be passed back to the API.';
    }
  }
  return undefined;
}

export function startDeepSeekFake(opts: { apiKey: string; toolSteps?: number }): DeepSeekFake {
  const toolSteps = opts.toolSteps ?? 3;
  const requests: Body[] = [];
  const rejections: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = (await req.json().catch(() => ({}))) as Body;
      requests.push(body);
      const bad = problem(body, opts.apiKey, req.headers.get('authorization'));
      if (bad) {
        rejections.push(bad);
        return Response.json({ error: { message: bad, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, { status: 400 });
      }
      const turn = body.messages!.filter((m) => m.role === 'assistant').length;
      const tool = turn < toolSteps && body.tools?.length ? body.tools[turn % body.tools.length].function?.name : undefined;
      const reasoning = reasoningAt(turn);
      const calls = tool ? [{ index: 0, id: `call_ds_${turn}`, type: 'function', function: { name: tool, arguments: JSON.stringify({ step: turn }) } }] : undefined;
      const content = tool ? '' : `Done after ${turn} tool steps.`;
      const usage = { prompt_tokens: 100 + turn, completion_tokens: 20, total_tokens: 120 + turn, completion_tokens_details: { reasoning_tokens: 12 } };
      const base = { id: `ds-${requests.length}`, created: 1, model: body.model };
      if (!body.stream) {
        const message = { role: 'assistant', content, reasoning_content: reasoning, ...(calls ? { tool_calls: calls.map(({ index: _i, ...c }) => c) } : {}) };
        return Response.json({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop' }], usage });
      }
      const frame = (delta: object, finish: string | null = null, extra: object = {}) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
      const half = Math.ceil(reasoning.length / 2);
      const frames = [
        frame({ role: 'assistant', content: null, reasoning_content: '' }),
        frame({ reasoning_content: reasoning.slice(0, half) }),
        frame({ reasoning_content: reasoning.slice(half) }),
        calls ? frame({ tool_calls: calls }) : frame({ content }),
        frame({}, tool ? 'tool_calls' : 'stop'),
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`,
        'data: [DONE]\n\n',
      ];
      return new Response(frames.join(''), { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    rejections,
    reset() {
      requests.length = 0;
      rejections.length = 0;
    },
    stop: () => void server.stop(true),
  };
}
