// Presets for OpenAI-compatible vendors (adapter: deepseek | moonshot | qwen | ...): the openai adapter
// with the vendor's default base_url and its known quirks, all read from presets.json (data only).
// Quirks handled here: no stream_options for vendors that reject it, a vendor-named reasoning delta
// renamed to reasoning_content, reasoning_content sent back on tool-loop turns to vendors whose thinking
// models require it (deepseek, moonshot, zhipu: reasoning-passback.ts), stream usage found elsewhere than `usage`, MiniMax's HTTP-200
// base_resp errors and Cloudflare's {success, errors[]} envelope; a 402 (the gateway's account is out
// of credit at this vendor) fails over like a 5xx instead of failing the client's request. A Responses
// API request is translated to chat completions (no preset vendor is sent a /responses body).

import {
  type Adapter, type ChatChunk, type GatewayError, type JsonObject, type JsonValue, type ProviderView, type UpstreamReply,
  WIRE_JSON, defineAdapter, errorFromUpstreamStatus, errors, parseRetryAfter, upstreamMessage,
} from '../../src/contracts/index.ts';
import presetsData from './presets.json' with { type: 'json' };
import { REASONING_CONTENT_OPTION, type ReasoningMode } from './reasoning-passback.ts';
import { apiRoot, buildOpenAIRequest } from './request.ts';
import { createOpenAIStreamDecoder, decodeOpenAIError, decodeOpenAIResponse } from './response.ts';

export interface Preset {
  base_url: string;
  docs?: string;
  other?: string;
  stream_options?: boolean;
  reasoning_field?: string;
  usage_path?: string;
  error_envelope?: 'base_resp' | 'cloudflare';
  /** Default kind of the provider balance check (src/ops/balance-kinds.ts). */
  balance?: string;
  /** Default for the provider option of the same name (reasoning-passback.ts); `strip` when absent. */
  reasoning_content?: ReasoningMode;
}

export const PRESETS: Readonly<Record<string, Preset>> = Object.fromEntries(
  Object.entries(presetsData as Record<string, unknown>).filter(([id]) => !id.startsWith('$')),
) as Record<string, Preset>;

/** Fills {placeholders} of a preset base_url from provider fields; names a missing one. */
export function presetRoot(id: string, preset: Preset, provider: ProviderView): string {
  return preset.base_url.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = provider.options[name];
    if (typeof value !== 'string' || !value) throw errors.invalidValue('model', `Provider "${provider.name}" (${id}) needs providers.${provider.name}.${name} in gateway.yaml (or a full base_url). Ask the gateway operator.`);
    return encodeURIComponent(value);
  });
}

/** A vendor error hidden in a 2xx body or shaped unlike OpenAI's, as {status, message}; undefined if none. */
function envelopeError(preset: Preset, text: string, status: number): { status: number; message: string } | undefined {
  if (!preset.error_envelope || !text.includes(preset.error_envelope === 'base_resp' ? '"base_resp"' : '"errors"')) return undefined;
  let body: { base_resp?: { status_code?: number; status_msg?: string }; success?: boolean; errors?: Array<{ code?: number; message?: string }> };
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (preset.error_envelope === 'base_resp') {
    const code = body.base_resp?.status_code;
    if (!code) return undefined;
    // MiniMax codes: 1004 auth, 1002/1039/1041 rate or token limits, 1008 balance, 2013 bad parameters.
    const mapped = code === 1004 ? 401 : code === 1002 || code === 1039 || code === 1041 ? 429 : code === 1008 ? 402 : code === 2013 || code === 1026 ? 400 : 502;
    return { status: mapped, message: `${body.base_resp?.status_msg ?? 'error'} (code ${code})` };
  }
  if (body.success === false && Array.isArray(body.errors) && body.errors.length) {
    return { status: status >= 400 ? status : 502, message: body.errors.map((e) => `${e.message ?? 'error'}${e.code ? ` (code ${e.code})` : ''}`).join('; ') };
  }
  return undefined;
}

function presetError(provider: ProviderView, status: number, message: string, retryAfter?: number): GatewayError {
  // No credit is the gateway account's fault, not a rate limit (the client must not get a 429): cause 402,
  // which the default retry policy fails over.
  if (status === 402) return errors.upstreamError(`Provider "${provider.name}" refused the request for lack of credit on the gateway's account: ${message}`, 402, true, retryAfter);
  return errorFromUpstreamStatus(provider.name, status, message, retryAfter);
}

function renameReasoning(target: Record<string, unknown> | undefined, field: string): void {
  if (target && typeof target[field] === 'string' && target.reasoning_content === undefined) {
    target.reasoning_content = target[field];
    delete target[field];
  }
}

function pathValue(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

export function presetAdapter(id: string, preset: Preset): Adapter {
  return defineAdapter({
    id,
    streamMode: 'sse',
    providerOptionsSchema: {
      type: 'object',
      properties: {
        ...Object.fromEntries([...preset.base_url.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, { type: 'string', minLength: 1, description: `\`${id}\` adapter: fills {${name}} in the default base_url ${preset.base_url}.` } as JsonValue])),
        // The openai request builder reads it for presets too.
        forward_extra_content: { type: 'boolean', description: 'Forward chat message fields OpenAI does not define (vendors that read them). Default false.' },
        reasoning_content: REASONING_CONTENT_OPTION,
      },
    },
    // Every operation goes to the vendor as OpenAI shapes it, except a Responses API body: these vendors
    // serve chat completions, so the Responses surface translates to chat for them.
    supports: (operation) => operation !== 'responses',
    buildRequest: (request, provider) =>
      buildOpenAIRequest(request, provider, provider.baseUrl ? apiRoot(provider.baseUrl) : presetRoot(id, preset, provider), preset.stream_options !== false, preset.reasoning_content),
    decodeResponse(reply, request, provider) {
      const hidden = envelopeError(preset, reply.text, reply.status);
      if (hidden) throw presetError(provider, hidden.status, hidden.message);
      const decoded = decodeOpenAIResponse(reply, request, provider);
      if (preset.reasoning_field && reply.text.includes(`"${preset.reasoning_field}"`)) {
        const body = structuredClone(decoded.body) as { choices?: Array<{ message?: JsonObject }> };
        for (const choice of body.choices ?? []) renameReasoning(choice.message, preset.reasoning_field);
        return { body: body as JsonValue, usage: decoded.usage };
      }
      return decoded;
    },
    decodeError(reply: UpstreamReply, provider: ProviderView) {
      const hidden = envelopeError(preset, reply.text, reply.status);
      const retryAfter = parseRetryAfter(reply.headers.get('retry-after'));
      if (hidden) return presetError(provider, hidden.status, hidden.message, retryAfter);
      if (reply.status === 402) return presetError(provider, 402, upstreamMessage(reply.text), retryAfter);
      return decodeOpenAIError(reply, provider);
    },
    createStreamDecoder(_request, provider) {
      const inner = createOpenAIStreamDecoder(provider);
      return {
        push(event) {
          let data = event.data;
          const hidden = envelopeError(preset, data, 200);
          if (hidden) return { chunks: [], error: presetError(provider, hidden.status, hidden.message) };
          if (preset.usage_path && data.includes(`"${preset.usage_path.split('.')[0]}"`)) {
            try {
              const chunk = JSON.parse(data) as { usage?: unknown };
              const usage = pathValue(chunk, preset.usage_path);
              if (!chunk.usage && usage) data = JSON.stringify({ ...chunk, usage });
            } catch {
              // not JSON: the inner decoder reports it
            }
          }
          const step = inner.push({ ...event, data });
          if (preset.reasoning_field) {
            for (const chunk of step.chunks as ChatChunk[]) {
              delete chunk[WIRE_JSON]; // renamed below: the upstream's own text no longer matches the chunk
              for (const choice of chunk.choices ?? []) renameReasoning(choice.delta as Record<string, unknown>, preset.reasoning_field);
            }
          }
          return step;
        },
        end: () => inner.end(),
      };
    },
  });
}
