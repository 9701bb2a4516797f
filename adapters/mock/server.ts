// The mock provider's in-process "upstream": answers OpenAI-format requests without the network.
// Failure modes for demos and tests: `mock: {fail_status, fail_times, delay_ms, chunk_delay_ms}` on
// the provider, or a `mock:fail=503` / `mock:cut` / `mock:stall` directive in the last user message.

import type { ChatMessage, JsonObject, UpstreamRequest } from '../../src/contracts/index.ts';
import { float32Base64 } from '../../src/contracts/index.ts';
import { TINY_PNG_BASE64, countTokens, echoText, embedding, imagesBody, inputTexts, limitWords, promptTokens, wordCount } from './answers.ts';
import { MAX_STREAM_WORDS, type MockLimitError, checkEmbeddings, checkImageCount, checkInputs, checkStreamWords } from './limits.ts';

export interface MockBehaviour {
  fail_status?: number;
  fail_times?: number;
  delay_ms?: number;
  chunk_delay_ms?: number;
  embedding_dims?: number;
}

const failuresServed = new Map<string, number>();
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (ms <= 0) return resolve();
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
});
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
/** A request over one of the mock's size limits (limits.ts), answered as OpenAI answers a bad value. */
const refused = (e: MockLimitError) => json(400, { error: { message: e.message, type: 'invalid_request_error', param: e.param, code: 'invalid_value' } });

export async function serveMock(provider: string, behaviour: MockBehaviour, req: UpstreamRequest, signal: AbortSignal): Promise<Response> {
  const path = new URL(req.url).pathname.replace(/^\/v1/, '');
  const body: JsonObject = typeof req.body === 'string' && req.body ? (JSON.parse(req.body) as JsonObject) : {};
  const messages = (Array.isArray(body.messages) ? body.messages : []) as unknown as ChatMessage[];
  const lastUser = JSON.stringify(messages.at(-1)?.content ?? body.prompt ?? body.input ?? '');
  const directive = /mock:(fail=(\d{3})|cut|stall)/.exec(lastUser);

  await sleep(behaviour.delay_ms ?? 0, signal);
  if (directive?.[2]) return json(Number(directive[2]), { error: { message: `mock failure ${directive[2]} requested`, type: 'mock_error', code: null } });
  if (behaviour.fail_status) {
    const served = failuresServed.get(provider) ?? 0;
    if (behaviour.fail_times === undefined || served < behaviour.fail_times) {
      failuresServed.set(provider, served + 1);
      return json(behaviour.fail_status, { error: { message: `mock provider ${provider} is configured to fail`, type: 'mock_error', code: null } });
    }
  }
  if (directive?.[1] === 'stall') await sleep(3_600_000, signal);

  const model = typeof body.model === 'string' ? body.model : 'mock';
  const created = Math.floor(Date.now() / 1000);
  switch (path) {
    case '/chat/completions': {
      const text = limitWords(echoText(messages), body.max_completion_tokens ?? body.max_tokens);
      const usage = { prompt_tokens: promptTokens(messages), completion_tokens: countTokens(text), total_tokens: 0 };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      const tooLong = body.stream ? checkStreamWords(wordCount(text, MAX_STREAM_WORDS)) : undefined;
      if (tooLong) return refused(tooLong);
      if (body.stream) return streamChat(model, text, usage, behaviour.chunk_delay_ms ?? 0, directive?.[1] === 'cut', signal);
      return json(200, { id: `chatcmpl-mock-${created}`, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }], usage });
    }
    case '/completions': {
      const text = `You said: ${String(body.prompt ?? '')}`;
      const pt = countTokens(String(body.prompt ?? '')), ct = countTokens(text);
      return json(200, { id: `cmpl-mock-${created}`, object: 'text_completion', created, model, choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: pt, completion_tokens: ct, total_tokens: pt + ct } });
    }
    case '/embeddings': {
      const texts = inputTexts(body.input);
      const dims = body.dimensions ?? behaviour.embedding_dims ?? 8;
      const outOfBounds = checkEmbeddings(dims, texts.length);
      if (outOfBounds) return refused(outOfBounds);
      const tokens = texts.reduce((n, t) => n + countTokens(t), 0);
      // The openai SDK asks for base64 (little-endian float32) by default, as OpenAI serves it.
      const encode = (v: number[]) => (body.encoding_format === 'base64' ? float32Base64(v) : v);
      return json(200, { object: 'list', model, data: texts.map((t, index) => ({ object: 'embedding', index, embedding: encode(embedding(t, dims as number)) })), usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }
    case '/images/generations': {
      const n = body.n ?? 1;
      const badCount = checkImageCount(n);
      return badCount ? refused(badCount) : json(200, imagesBody(n as number, body.response_format));
    }
    case '/images/edits':
    case '/images/variations': {
      const form = req.body instanceof FormData ? req.body : undefined;
      const field = form?.get('n');
      const n = typeof field === 'string' && field.trim() !== '' ? Number(field) : field == null ? 1 : field;
      const badCount = checkImageCount(n);
      return badCount ? refused(badCount) : json(200, imagesBody(n as number, form?.get('response_format') as string | undefined));
    }
    case '/audio/transcriptions':
    case '/audio/translations': {
      const file = req.body instanceof FormData ? req.body.get('file') : null;
      const size = file instanceof Blob ? file.size : 0;
      return json(200, { text: `mock transcription of ${size} bytes` });
    }
    case '/audio/speech':
      return new Response(Uint8Array.from(atob(TINY_PNG_BASE64), (c) => c.charCodeAt(0)), { headers: { 'content-type': 'audio/mpeg' } });
    case '/moderations': {
      const tooMany = checkInputs(inputTexts(body.input).length, 'moderations');
      if (tooMany) return refused(tooMany);
      return json(200, { id: `modr-mock-${created}`, model, results: inputTexts(body.input).map(() => ({ flagged: false, categories: {}, category_scores: {} })) });
    }
    default:
      return json(404, { error: { message: `the mock provider does not implement ${req.method} ${path}`, type: 'invalid_request_error', code: 'unknown_url' } });
  }
}

function streamChat(model: string, text: string, usage: Record<string, number>, delayMs: number, cut: boolean, signal: AbortSignal): Response {
  const id = `chatcmpl-mock-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const words = text.split(/(?<= )/);
  const encoder = new TextEncoder();
  const frame = (obj: unknown) => encoder.encode(`data: ${JSON.stringify(obj)}\n\n`);
  const chunk = (delta: JsonObject, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        controller.enqueue(frame(chunk({ role: 'assistant', content: '' }, null)));
        for (const [i, word] of words.entries()) {
          await sleep(delayMs, signal);
          controller.enqueue(frame(chunk({ content: word }, null)));
          if (cut && i >= Math.floor(words.length / 2)) return controller.error(new Error('mock stream cut'));
        }
        controller.enqueue(frame(chunk({}, 'stop')));
        controller.enqueue(frame({ id, object: 'chat.completion.chunk', created, model, choices: [], usage }));
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
      } catch (err) {
        try { controller.error(err); } catch { /* already closed */ }
      }
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}
