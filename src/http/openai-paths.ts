// The OpenAI surface: which path (below /v1) is which operation, and the hints a lost client gets.

import type { Operation } from '../contracts/canonical.ts';

const POST_OPERATIONS = new Map<string, Operation>([
  ['/chat/completions', 'chat'],
  ['/completions', 'completions'],
  ['/embeddings', 'embeddings'],
  ['/images/generations', 'images.generations'],
  ['/images/edits', 'images.edits'],
  ['/images/variations', 'images.variations'],
  ['/audio/transcriptions', 'audio.transcriptions'],
  ['/audio/translations', 'audio.translations'],
  ['/audio/speech', 'audio.speech'],
  ['/moderations', 'moderations'],
]);

/** The fixed OpenAI POST paths (/v1/chat/completions, ...): the HTTP layer gives them static routes. */
export const OPENAI_POST_PATHS: readonly string[] = [...POST_OPERATIONS.keys()].map((p) => `/v1${p}`);

export type SurfaceTarget =
  | { kind: 'operation'; operation: Operation; path: string }
  | { kind: 'models'; path: string; id?: string }
  | { kind: 'billing'; path: string }
  | { kind: 'jobs'; path: string; id?: string }
  | { kind: 'unknown'; path: string; hint: string }
  /** A path served with other methods (405). `passable`: a provider's passthrough prefix may still claim it. */
  | { kind: 'method'; path: string; allow: readonly string[]; passable: boolean };

/** Paths other surfaces serve on OpenAI routes (they claim the right methods first): the methods they take. */
const SURFACE_PATHS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/^\/messages(\/count_tokens)?$/, ['POST']],
  [/^\/responses$/, ['POST']],
  [/^\/responses\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/responses\/[^/]+\/input_items$/, ['GET']],
];

/** Classifies a path (already stripped of any route prefix) on the OpenAI surface. */
export function classifyOpenAIPath(method: string, rawPath: string): SurfaceTarget {
  const hasV1 = rawPath === '/v1' || rawPath.startsWith('/v1/');
  const path = hasV1 ? rawPath.slice(3) || '/' : rawPath;
  const op = POST_OPERATIONS.get(path);
  if (op) {
    if (method !== 'POST') return { kind: 'method', path, allow: ['POST'], passable: false };
    return { kind: 'operation', operation: op, path };
  }
  if (path === '/models' || path.startsWith('/models/')) {
    if (method !== 'GET') return { kind: 'method', path, allow: ['GET'], passable: true };
    return path === '/models' ? { kind: 'models', path } : { kind: 'models', path, id: safeDecode(path.slice('/models/'.length)) };
  }
  if (path.startsWith('/dashboard/billing/') || path === '/balance') return { kind: 'billing', path };
  if (path === '/images/jobs' || path.startsWith('/images/jobs/')) {
    if (path === '/images/jobs') return method === 'POST' ? { kind: 'jobs', path } : { kind: 'method', path, allow: ['POST'], passable: false };
    if (path.length > '/images/jobs/'.length) return method === 'GET' ? { kind: 'jobs', path, id: safeDecode(path.slice('/images/jobs/'.length)) } : { kind: 'method', path, allow: ['GET'], passable: false };
    return { kind: 'unknown', path, hint: 'Image jobs: POST <gateway>/v1/images/jobs submits one (same body as /v1/images/generations); GET <gateway>/v1/images/jobs/{id} reads it.' };
  }
  if (rawPath.startsWith('/v1/v1/') || rawPath === '/v1/v1') {
    return { kind: 'unknown', path, hint: 'The path starts with /v1/v1: your client adds /v1 itself, so set its base_url to <gateway> (without /v1).' };
  }
  const doubled = [...POST_OPERATIONS.keys()].find((p) => path.endsWith(p) && path.length > p.length && path.slice(0, -p.length).endsWith(p));
  if (doubled) return { kind: 'unknown', path, hint: `The path repeats ${doubled}: your client's base_url already contains the endpoint. Set base_url to <gateway>/v1 (OpenAI SDKs) or <gateway> (NextChat and similar apps).` };
  const surface = SURFACE_PATHS.find(([pattern]) => pattern.test(path));
  if (surface) return { kind: 'method', path, allow: surface[1], passable: true };
  if (hasV1) return { kind: 'operation', operation: 'passthrough', path };
  return { kind: 'unknown', path, hint: 'Set your client\'s base_url to <gateway>/v1 for the OpenAI SDKs (they append /chat/completions), or to <gateway> for apps that add /v1 themselves.' };
}

/** Percent-decodes a path segment; malformed escapes are kept as written (then simply match nothing). */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The per-request cache choice from the x-switchyard-cache header. */
export function cacheChoice(value: string | null): 'yes' | 'no' | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'yes' || v === 'true' || v === '1' ? 'yes' : v === 'no' || v === 'false' || v === '0' ? 'no' : undefined;
}
