// Fake OpenAI upstream for the benchmark (run as its own process so it gets its own event loop).
// POST /v1/chat/completions: a fixed small chat.completion, or with `"stream": true` an SSE stream of
// BENCH_CHUNKS content chunks, a finish chunk, a usage chunk and [DONE], each written and flushed apart.
// Prints {"port":N} on stdout once listening on 127.0.0.1 (random free port).

import { exitWithParent } from './orphan-guard.ts';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 20);
const CHUNK_DELAY_MS = Number(process.env.BENCH_CHUNK_DELAY_MS ?? 0);
const CREATED = 1_700_000_000;
const USAGE = { prompt_tokens: 14, completion_tokens: CHUNKS, total_tokens: 14 + CHUNKS };

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: CREATED,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! This is a fixed benchmark answer.' }, logprobs: null, finish_reason: 'stop' }],
  usage: USAGE,
});

const encoder = new TextEncoder();
const event = (obj: unknown) => encoder.encode(`data: ${JSON.stringify(obj)}\n\n`);
const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
  id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
// Pre-encoded events: the upstream should cost as little CPU as possible.
const streamEvents: Uint8Array[] = [
  event(chunk({ role: 'assistant', content: '' }, null)),
  ...Array.from({ length: CHUNKS }, (_, i) => event(chunk({ content: `word${i} ` }, null))),
  event(chunk({}, 'stop')),
  event({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: CREATED, model: 'bench-model', choices: [], usage: USAGE }),
  encoder.encode('data: [DONE]\n\n'),
];

function sse(): Response {
  // A Bun "direct" stream: every event is written and flushed on its own (no coalescing). Cast because
  // the DOM lib's ReadableStream constructor type does not know Bun's `type: 'direct'`.
  const source = {
    type: 'direct',
    async pull(controller: ReadableStreamDirectController) {
      for (const e of streamEvents) {
        controller.write(e);
        await controller.flush();
        if (CHUNK_DELAY_MS > 0) await Bun.sleep(CHUNK_DELAY_MS);
      }
      controller.close();
    },
  };
  const body = new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>);
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const { pathname } = new URL(req.url);
    if (req.method === 'POST' && pathname === '/v1/chat/completions') {
      const text = await req.text();
      // A cheap check instead of JSON.parse: the bench bodies are ours.
      if (/"stream"\s*:\s*true/.test(text)) return sse();
      return new Response(completion, { headers: { 'content-type': 'application/json' } });
    }
    if (pathname === '/health') return new Response('ok');
    return new Response(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }), { status: 404, headers: { 'content-type': 'application/json' } });
  },
});

exitWithParent();
console.log(JSON.stringify({ port: server.port }));
