// The inbound surface list: every protocol the gateway speaks besides the default OpenAI one.
// Adding a surface = its folder under src/protocols/<name>/ exporting an InboundSurface, plus one line
// in SURFACES below (the name is then valid as `routes[].protocol`; schema/gateway.schema.json lists it).

import { anthropicSurface } from './anthropic/surface.ts';
import { geminiSurface } from './gemini/surface.ts';
import { responsesSurface } from './responses/surface.ts';
import type { InboundSurface } from './surface.ts';

export type { InboundSurface, SurfaceRequest } from './surface.ts';

const SURFACES: readonly InboundSurface[] = [
  anthropicSurface,
  responsesSurface,
  geminiSurface,
];

const byProtocol: ReadonlyMap<string, InboundSurface> = new Map(SURFACES.map((s) => [s.protocol, s]));
const claiming = SURFACES.filter((s) => s.claims);

/** Every `routes[].protocol` value this build serves ('openai' is the default surface in src/http). */
export const PROTOCOLS: readonly string[] = ['openai', ...SURFACES.map((s) => s.protocol)];

/**
 * The surface for a request: the route's own protocol, or on an OpenAI route the surface claiming this
 * method + path (POST /v1/messages, POST /v1/responses, ...). Undefined = the default OpenAI surface.
 */
export function surfaceFor(protocol: string, method: string, path: string, headers: Headers = new Headers()): InboundSurface | undefined {
  const own = byProtocol.get(protocol);
  if (own) return own;
  for (const s of claiming) if (s.claims!(method, path, headers)) return s;
  return undefined;
}
