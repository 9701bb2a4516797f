// The shared half of the strict fake upstreams: a real Bun server on 127.0.0.1 (test/helpers/
// fake-upstream.ts) whose behaviour first validates the request (provider-specific `validate`) and
// answers 400 in the provider's error shape on any problem, then answers with the next scripted turn.
// A turn names a JSON fixture and an SSE fixture; the fake picks the one matching the request (stream
// or not), so one script serves both a plain and a streamed run of the same conversation.

import { expect } from 'bun:test';
import { readFileSync } from 'node:fs';
import { type FakeUpstream, startFakeUpstream } from '../../helpers/fake-upstream.ts';
import { chunkedSse } from './sse.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

/** Reads test/fixtures/<path> as text. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

/** Reads and parses test/fixtures/<path>. */
export function fixtureJson<T = unknown>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

export interface Incoming {
  method: string;
  url: URL;
  headers: Headers;
  raw: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: unknown;
  /** Does the request ask for a stream (provider-specific rule)? */
  stream: boolean;
}

export interface Turn {
  /** JSON fixture path (under test/fixtures) or an inline body, for non-stream requests. */
  json?: string | object;
  /** SSE fixture path or inline SSE text, for stream requests. */
  sse?: string;
  /** HTTP status for `json` (default 200). */
  status?: number;
  /** Extra assertions on this request; return problems to answer 400 with. */
  expect?: (incoming: Incoming) => string[];
  /** Full control instead of json/sse. */
  respond?: (incoming: Incoming) => Response;
}

export interface StrictFakeOptions {
  /** Provider label used in 400 messages. */
  name: string;
  /** Lists every problem with the request (empty = valid); may be async (e.g. a signature check). */
  validate: (incoming: Incoming) => string[] | Promise<string[]>;
  /** The provider's error body for a status and message. */
  errorResponse: (status: number, message: string) => Response;
  /** Whether the request asks for a stream. */
  isStream: (incoming: Incoming) => boolean;
  /** Called with every body the fake sends (e.g. Gemini remembers thought signatures it issued). */
  onServe?: (text: string) => void;
  /** The answer when no turn is scripted. */
  defaultTurn: Turn;
}

export interface StrictFake {
  readonly url: string;
  readonly upstream: FakeUpstream;
  /** Every request that reached the fake, parsed. */
  readonly requests: Incoming[];
  /** Every problem the fake answered 400 for (a test asserts this stays empty). */
  readonly rejections: string[];
  /** Queues turns: the next requests get them in order; afterwards `defaultTurn` answers. */
  script(...turns: Turn[]): void;
  /** Forgets recorded requests, rejections and queued turns. */
  reset(): void;
  stop(): void;
}

export function startStrictFake(opts: StrictFakeOptions): StrictFake {
  const requests: Incoming[] = [];
  // How often each fixture was served: a repeat gets a fresh responseId, as a real provider would send.
  const served = new Map<string, number>();
  const bump = (name: string) => {
    const n = (served.get(name) ?? 0) + 1;
    served.set(name, n);
    return n;
  };
  const rejections: string[] = [];
  const queue: Turn[] = [];
  const upstream = startFakeUpstream(async (req, raw) => {
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const partial = { method: req.method, url: new URL(req.url), headers: req.headers, raw, body, stream: false };
    const incoming: Incoming = { ...partial, stream: opts.isStream(partial) };
    requests.push(incoming);
    const turn = queue.shift() ?? opts.defaultTurn;
    const problems = [...(await opts.validate(incoming)), ...(turn.expect?.(incoming) ?? [])];
    if (problems.length > 0) {
      rejections.push(...problems);
      const status = problems.find((p) => p.startsWith('401 '))
        ? 401
        : problems.find((p) => p.startsWith('403 '))
          ? 403
          : problems.find((p) => p.startsWith('404 '))
          ? 404
          : 400;
      return opts.errorResponse(status, `${opts.name} fake rejected the request: ${problems.join('; ')}`);
    }
    if (turn.respond) return turn.respond(incoming);
    if (incoming.stream) {
      if (!turn.sse) return opts.errorResponse(500, `${opts.name} fake: no SSE scripted for a stream request`);
      const text = freshIds(turn.sse.includes('\n') ? turn.sse : fixtureText(turn.sse), bump(turn.sse));
      opts.onServe?.(text);
      return chunkedSse(text);
    }
    if (!turn.json) return opts.errorResponse(500, `${opts.name} fake: no JSON scripted for a non-stream request`);
    const text = freshIds(typeof turn.json === 'string' ? fixtureText(turn.json) : JSON.stringify(turn.json), bump(JSON.stringify(turn.json)));
    opts.onServe?.(text);
    return new Response(text, { status: turn.status ?? 200, headers: { 'content-type': 'application/json' } });
  });
  return {
    url: upstream.url,
    upstream,
    requests,
    rejections,
    script: (...turns) => {
      queue.push(...turns);
    },
    reset: () => {
      requests.length = 0;
      rejections.length = 0;
      queue.length = 0;
      served.clear();
      upstream.received.length = 0;
    },
    stop: () => upstream.stop(),
  };
}

/** Problems shared by every provider: the gateway's client key must never reach an upstream. */
export function noClientCredentials(incoming: Incoming, clientKey: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of incoming.headers) {
    if (value.includes(clientKey)) problems.push(`header ${name} carries the gateway client's key`);
  }
  if (incoming.url.href.includes(clientKey)) problems.push('the URL carries the gateway client key');
  return problems;
}

/** The JSON content-type check every provider needs. */
export function jsonContentType(incoming: Incoming): string[] {
  const ct = incoming.headers.get('content-type') ?? '';
  return ct.includes('application/json') ? [] : [`content-type must be application/json (got "${ct}")`];
}

/** Real Gemini gives every response its own responseId; a fixture served twice gets a numbered one. */
function freshIds(text: string, n: number): string {
  return n <= 1 ? text : text.replace(/("responseId":\s*")([^"]*)"/g, `$1$2-${n}"`);
}

/** After each test: none of these strict fakes rejected a request (they are reset for the next test). */
export function expectNoRejections(...fakes: Array<Pick<StrictFake, 'rejections' | 'reset'>>): void {
  const rejected = fakes.flatMap((f) => [...f.rejections]);
  for (const f of fakes) f.reset();
  expect(rejected).toEqual([]);
}
