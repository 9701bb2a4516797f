// Conformance harness: starts the four strict fake upstreams (OpenAI-compatible, Anthropic, Gemini,
// Azure) and one real gateway in front of them, and holds the shared conversation material (tools,
// an image, the expected answers) so every provider is asked exactly the same thing.

import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';
import { type AnthropicFake, startAnthropicFake } from './fakes/anthropic.ts';
import { startAzureFake } from './fakes/azure.ts';
import { type GeminiFake, startGeminiFake } from './fakes/gemini.ts';
import { startOpenAIFake } from './fakes/openai-chat.ts';
import type { StrictFake } from './fakes/strict-server.ts';

export const KEYS = {
  openai: 'sk-upstream-openai-0123456789abcdef',
  anthropic: 'sk-ant-api03-upstream-secret-0123456789',
  gemini: 'AIzaSyUPSTREAM-secret-0123456789abcdef',
  azure: 'azure-upstream-secret-0123456789abcdef',
} as const;

export const GEMINI_MODEL = 'gemini-3-flash-preview';
export const AZURE_DEPLOYMENT = 'gpt4o-prod';

export type FakeName = 'openai' | 'anthropic' | 'gemini' | 'azure';

export interface Target {
  /** Label in test names. */
  name: string;
  /** Public model name on the gateway. */
  model: string;
  fake: FakeName;
  /** test/fixtures/<dir>/conformance-*.{json,sse}. */
  dir: string;
}

export const TARGETS: Target[] = [
  { name: 'openai', model: 'oa-chat', fake: 'openai', dir: 'openai' },
  { name: 'anthropic', model: 'claude-chat', fake: 'anthropic', dir: 'anthropic' },
  { name: 'gemini', model: 'gem-chat', fake: 'gemini', dir: 'gemini' },
  { name: 'azure', model: 'az-chat', fake: 'azure', dir: 'azure' },
  { name: 'azure-v1', model: 'azv1-chat', fake: 'azure', dir: 'azure' },
];

export interface Conformance {
  gw: TestGateway;
  fakes: { openai: StrictFake; anthropic: AnthropicFake; gemini: GeminiFake; azure: StrictFake };
  reset(): void;
  stop(): Promise<void>;
}

export async function startConformance(): Promise<Conformance> {
  const fakes = {
    openai: startOpenAIFake({ apiKey: KEYS.openai, clientKey: TEST_KEY, models: ['gpt-4o'] }),
    anthropic: startAnthropicFake({ apiKey: KEYS.anthropic, clientKey: TEST_KEY }),
    gemini: startGeminiFake({ apiKey: KEYS.gemini, clientKey: TEST_KEY, models: [GEMINI_MODEL] }),
    azure: startAzureFake({ apiKey: KEYS.azure, clientKey: TEST_KEY, deployments: [AZURE_DEPLOYMENT] }),
  };
  const gw = await startTestGateway(config(`
providers:
  oa:
    adapter: openai
    base_url: ${fakes.openai.url}/v1
    api_key: ${KEYS.openai}
    models: { oa-chat: gpt-4o }
  claude:
    adapter: anthropic
    base_url: ${fakes.anthropic.url}
    api_key: ${KEYS.anthropic}
    models: { claude-chat: claude-sonnet-4-5 }
  claude-wrong-key:
    adapter: anthropic
    base_url: ${fakes.anthropic.url}
    api_key: sk-ant-api03-WRONG-key-0123456789
    models: { claude-wrong: claude-sonnet-4-5 }
  gem:
    adapter: gemini
    base_url: ${fakes.gemini.url}
    api_key: ${KEYS.gemini}
    models: { gem-chat: ${GEMINI_MODEL} }
  gem-wrong-key:
    adapter: gemini
    base_url: ${fakes.gemini.url}
    api_key: AIzaSyWRONG-key-0123456789abcdefghijk
    models: { gem-wrong: ${GEMINI_MODEL} }
  az:
    adapter: azure
    base_url: ${fakes.azure.url}
    api_key: ${KEYS.azure}
    api_version: "2024-10-21"
    models: { az-chat: ${AZURE_DEPLOYMENT} }
  az-wrong-key:
    adapter: azure
    base_url: ${fakes.azure.url}
    api_key: azure-WRONG-key-0123456789abcdef
    api_version: "2024-10-21"
    models: { az-wrong: ${AZURE_DEPLOYMENT} }
  azv1:
    adapter: azure
    base_url: ${fakes.azure.url}/openai/v1
    api_key: ${KEYS.azure}
    models: { azv1-chat: ${AZURE_DEPLOYMENT} }
models:
  fo-claude:
    targets:
      - { provider: claude, model: claude-sonnet-4-5, priority: 0 }
      - { provider: oa, model: gpt-4o, priority: 1 }
  fo-gem:
    targets:
      - { provider: gem, model: ${GEMINI_MODEL}, priority: 0 }
      - { provider: oa, model: gpt-4o, priority: 1 }
routing:
  retry: { attempts: 1 }
`));
  return {
    gw,
    fakes,
    reset: () => Object.values(fakes).forEach((f) => f.reset()),
    stop: async () => {
      await gw.stop();
      Object.values(fakes).forEach((f) => f.stop());
    },
  };
}

/** The fixture turn for a target: conformance-<name>.json for plain calls, .sse for streams. */
export function turn(target: Target, name: 'text' | 'tools' | 'answer') {
  return { json: `${target.dir}/conformance-${name}.json`, sse: `${target.dir}/conformance-${name}.sse` };
}

export const HELLO = 'Hello! How can I help you today?';
export const ANSWER = 'It is 18°C and sunny in Paris; the local time is 14:05.';

/** Tool definitions as OpenAI clients send them (additionalProperties and strict included on purpose). */
export const OPENAI_TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: 'object',
        properties: { location: { type: 'string', description: 'City name' }, unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] } },
        required: ['location'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'get_time',
      description: 'Local time in a time zone.',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'], additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#' },
    },
  },
];

/** The same tools in Anthropic's shape. */
export const ANTHROPIC_TOOLS = OPENAI_TOOLS.map((t) => ({
  name: t.function.name,
  description: t.function.description,
  input_schema: t.function.parameters as { type: 'object'; [k: string]: unknown },
}));

export const EXPECTED_CALLS = [
  { name: 'get_weather', args: { location: 'Paris' } },
  { name: 'get_time', args: { timezone: 'Europe/Paris' } },
];

/** Tool results the client sends back, keyed by tool name. */
export const TOOL_RESULTS: Record<string, string> = {
  get_weather: '{"temp_c":18,"sky":"sunny"}',
  get_time: '14:05',
};

/** A 1×1 PNG as a data URL. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==';
export const PNG_DATA_URL = `data:image/png;base64,${PNG_BASE64}`;

/** Usage reduced to the numbers every provider reports (absent details count as 0). */
export function coreUsage(usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details?: { cached_tokens?: number } | null; completion_tokens_details?: { reasoning_tokens?: number } | null } | null | undefined) {
  if (!usage) return undefined;
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
    cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** The JSON type structure of a value (arrays by their first element), for "same shape" checks. */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]));
  }
  return typeof value;
}

/** Picks `paths` (dot paths, `*` = every array item) out of an object, keeping structure. */
export function pick(value: unknown, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) out[path] = pickPath(value, path.split('.'));
  return out;
}

function pickPath(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  const [head, ...rest] = parts;
  if (head === '*') return Array.isArray(value) ? value.map((v) => pickPath(v, rest)) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  return pickPath((value as Record<string, unknown>)[head], rest);
}
