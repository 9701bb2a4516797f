// Test helper: a fake OpenAI-compatible upstream (a real Bun HTTP server on 127.0.0.1, random port).
// Each test scripts its behaviour per request; the server records what it received.

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type Behaviour = (req: Request, body: string, n: number) => Response | Promise<Response>;

export interface FakeUpstream {
  url: string;
  received: Received[];
  /** Requests whose connection closed before the response finished (client aborts reaching us). */
  aborted: number;
  set(behaviour: Behaviour): void;
  stop(): void;
}

export function chatCompletion(content: string, model = 'up-model', usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }) {
  return { id: 'chatcmpl-fake', object: 'chat.completion', created: 1700000000, model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** An SSE response from frames; `delayMs` between frames; `cut` ends the connection abruptly after N frames. */
export function sse(frames: string[], opts: { delayMs?: number; cutAfter?: number; signal?: AbortSignal; onCancel?: () => void } = {}): Response {
  const enc = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (opts.cutAfter !== undefined && i >= opts.cutAfter) return controller.error(new Error('cut'));
      if (i >= frames.length) return controller.close();
      if (opts.delayMs && i > 0) await Bun.sleep(opts.delayMs);
      controller.enqueue(enc.encode(frames[i++]));
    },
    cancel() {
      opts.onCancel?.();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

export function chatChunks(words: string[], usage = { prompt_tokens: 5, completion_tokens: words.length, total_tokens: 5 + words.length }): string[] {
  const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1700000000, model: 'up-model' };
  return [
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })}\n\n`,
    ...words.map((w) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })}\n\n`),
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
    `data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`,
    'data: [DONE]\n\n',
  ];
}

export function startFakeUpstream(initial?: Behaviour): FakeUpstream {
  let behaviour: Behaviour = initial ?? (() => json(chatCompletion('hello from fake')));
  const received: Received[] = [];
  const state = { aborted: 0 };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 0,
    async fetch(req) {
      const body = await req.text();
      const url = new URL(req.url);
      received.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body });
      req.signal.addEventListener('abort', () => { state.aborted += 1; });
      return behaviour(req, body, received.length);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    get aborted() { return state.aborted; },
    set: (b) => { behaviour = b; },
    stop: () => server.stop(true),
  };
}

/** Starts fake upstreams for one test file and stops them all after it (`afterAll` from bun:test). */
export function upstreamPool(afterAll: (fn: () => void) => void): (initial?: Behaviour) => FakeUpstream {
  const started: FakeUpstream[] = [];
  afterAll(() => started.forEach((u) => u.stop()));
  return (initial) => {
    const u = startFakeUpstream(initial);
    started.push(u);
    return u;
  };
}
