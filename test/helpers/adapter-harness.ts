// Test helper for adapter unit tests: fixtures of one provider, a provider view, canonical requests,
// built upstream bodies, buffered replies, streams fed through eventsource-parser, and error capture.

import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import type { Adapter, AdapterRequest, ChatChunk, JsonObject, ProviderView, StreamStep, UpstreamReply } from '../../src/contracts/index.ts';
import { GatewayError } from '../../src/contracts/index.ts';

export interface HarnessOptions {
  /** Folder under test/fixtures/. */
  fixtures: string;
  provider: Omit<ProviderView, 'headers' | 'options'> & Partial<Pick<ProviderView, 'headers' | 'options'>>;
  upstreamModel: string;
  /** Body used for stream decoders. */
  streamBody?: JsonObject;
}

export function adapterHarness(adapter: Adapter, opts: HarnessOptions) {
  const dir = new URL(`../fixtures/${opts.fixtures}/`, import.meta.url);
  const fixture = (name: string) => readFileSync(new URL(name, dir), 'utf8');
  const provider = (overrides: Partial<ProviderView> = {}): ProviderView => ({ headers: {}, options: {}, ...opts.provider, ...overrides });
  const request = (body: JsonObject, extra: Partial<AdapterRequest> = {}): AdapterRequest => ({
    operation: 'chat', body, path: '/chat/completions', search: '', method: 'POST', stream: false, upstreamModel: opts.upstreamModel, ...extra,
  });
  const build = (body: JsonObject, p: ProviderView = provider(), extra: Partial<AdapterRequest> = {}) => {
    const req = adapter.buildRequest(request(body, extra), p);
    return { req, body: typeof req.body === 'string' ? (JSON.parse(req.body) as Record<string, unknown>) : {} };
  };
  const reply = (text: string, status = 200, headers: Record<string, string> = {}): UpstreamReply => ({ status, headers: new Headers(headers), text });
  const runStream = (sse: string, p: ProviderView = provider()): StreamStep[] => {
    const decoder = adapter.createStreamDecoder!(request(opts.streamBody ?? { messages: [] }, { stream: true }), p);
    const steps: StreamStep[] = [];
    const parser = createParser({ onEvent: (e) => steps.push(decoder.push({ event: e.event, data: e.data })) });
    parser.feed(sse);
    steps.push(decoder.end());
    return steps;
  };
  const chunksOf = (steps: StreamStep[]): ChatChunk[] => steps.flatMap((s) => s.chunks);
  return { fixture, provider, request, build, reply, runStream, chunksOf, catchError };
}

/** Runs `fn` and returns the GatewayError it throws (fails if it throws nothing or something else). */
export function catchError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}
