// A strict fake of Anthropic's Messages API (POST /v1/messages, anthropic-version 2023-06-01), built
// from the API reference: the documented top-level request fields only, content blocks by type,
// x-api-key + anthropic-version headers, and the documented semantic rules a translator can break:
// every tool_use answered by a tool_result in the very next user turn with the tool_result blocks
// first, no empty text blocks, tool ids/names matching Anthropic's patterns, base64 images with an
// allowed media type (PDF documents base64 too), temperature in 0..1; tool_result content of the documented
// block types (text, image, document, search_result), documents and search results in user turns too.
// Errors use Anthropic's {"type":"error","error":{...}}.
// Extended thinking as Anthropic enforces it: every thinking / redacted_thinking block sent back must be
// one the fake issued, unmodified (text + signature, or data), and with thinking on, an assistant turn
// whose tool_use the request answers must start with its thinking block (`issuedThinking` records them).
// Model- and beta-gated features (featureProblems): budget_tokens must stay below max_tokens unless the
// `interleaved-thinking-2025-05-14` beta is on; context_management needs `context-management-2025-06-27`
// and its clear_thinking edits need thinking on; Claude 4.7+ refuses {type:"enabled"} thinking, models
// before 4.6 refuse {type:"adaptive"}; output_config.effort "max" needs 4.6+, "xhigh" 4.7+.
// An assistant turn holding a signed block must be the message that block was issued in, block for block
// in the issued order (Anthropic: echo the assistant message exactly as received; with interleaved
// thinking a signed block moved before or after a text / tool_use block is a 400): `issuedOrder` records
// each issued message's blocks.

import { type Spec, any, arr, bool, check, isBase64, nul, num, obj, oneOf, str, tagged } from './spec.ts';
import { type Incoming, type StrictFake, type Turn, jsonContentType, noClientCredentials, startStrictFake } from './strict-server.ts';

export const ANTHROPIC_VERSIONS = ['2023-06-01', '2023-01-01'];
const MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const ID = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const cacheControl = obj({ 'type!': str({ enum: ['ephemeral'] }), ttl: str({ enum: ['5m', '1h'] }) });
const text = obj({ 'type!': str(), 'text!': str({ nonEmpty: true }), cache_control: cacheControl, citations: oneOf(arr(any), nul) });
const image = obj({
  'type!': str(),
  'source!': tagged('type', {
    base64: obj({ 'type!': str(), 'media_type!': str({ enum: MEDIA_TYPES }), 'data!': str({ nonEmpty: true }) }),
    url: obj({ 'type!': str(), 'url!': str({ pattern: /^https?:\/\// }) }),
  }),
  cache_control: cacheControl,
});
const toolUse = obj({ 'type!': str(), 'id!': str({ pattern: ID }), 'name!': str({ pattern: TOOL_NAME }), 'input!': obj({}, { open: true }), cache_control: cacheControl });
// Documents (PDF support, citations): base64 or URL PDFs, plain text, custom content; optional title,
// context and citations. Search results: source, title and text blocks (search results).
const citationsConfig = obj({ enabled: bool });
const document = obj({
  'type!': str(),
  'source!': tagged('type', {
    base64: obj({ 'type!': str(), 'media_type!': str({ enum: ['application/pdf'] }), 'data!': str({ nonEmpty: true }) }),
    url: obj({ 'type!': str(), 'url!': str({ pattern: /^https?:\/\// }) }),
    text: obj({ 'type!': str(), 'media_type!': str({ enum: ['text/plain'] }), 'data!': str() }),
    content: obj({ 'type!': str(), 'content!': oneOf(str(), arr(tagged('type', { text, image }), 1)) }),
  }),
  title: oneOf(str(), nul),
  context: oneOf(str(), nul),
  citations: citationsConfig,
  cache_control: cacheControl,
});
const searchResult = obj({
  'type!': str(),
  'source!': str(),
  'title!': str(),
  'content!': arr(obj({ 'type!': str({ enum: ['text'] }), 'text!': str({ nonEmpty: true }), citations: oneOf(arr(any), nul) }), 1),
  citations: citationsConfig,
  cache_control: cacheControl,
});
const toolResult = obj({
  'type!': str(),
  'tool_use_id!': str({ pattern: ID }),
  content: oneOf(str(), arr(tagged('type', { text, image, document, search_result: searchResult }))),
  is_error: bool,
  cache_control: cacheControl,
});
const thinking = obj({ 'type!': str(), 'thinking!': str(), 'signature!': str() });
const redacted = obj({ 'type!': str(), 'data!': str() });

const userBlocks = arr(tagged('type', { text, image, document, search_result: searchResult, tool_result: toolResult }), 1);
const assistantBlocks = arr(tagged('type', { text, tool_use: toolUse, thinking, redacted_thinking: redacted }), 1);

const message: Spec = tagged('role', {
  user: obj({ 'role!': str(), 'content!': oneOf(str({ nonEmpty: true }), userBlocks) }),
  assistant: obj({ 'role!': str(), 'content!': oneOf(str({ nonEmpty: true }), assistantBlocks) }),
});

const tool = obj({
  'name!': str({ pattern: TOOL_NAME }),
  description: str(),
  'input_schema!': obj({ 'type!': str({ enum: ['object'] }) }, { open: true }),
  cache_control: cacheControl,
  strict: bool,
  type: str({ enum: ['custom'] }),
});

const toolChoice = tagged('type', {
  auto: obj({ 'type!': str(), disable_parallel_tool_use: bool }),
  any: obj({ 'type!': str(), disable_parallel_tool_use: bool }),
  tool: obj({ 'type!': str(), 'name!': str({ pattern: TOOL_NAME }), disable_parallel_tool_use: bool }),
  none: obj({ 'type!': str() }),
});

/** POST /v1/messages body: the documented top-level fields. */
export const MESSAGES_REQUEST: Spec = obj({
  'model!': str({ nonEmpty: true }),
  'max_tokens!': num({ int: true, min: 1 }),
  'messages!': arr(message, 1),
  system: oneOf(str(), arr(text)),
  metadata: obj({ user_id: oneOf(str(), nul) }),
  stop_sequences: arr(str({ nonEmpty: true })),
  stream: bool,
  temperature: num({ min: 0, max: 1 }),
  top_p: num({ min: 0, max: 1 }),
  top_k: num({ int: true, min: 0 }),
  tools: arr(tool),
  tool_choice: toolChoice,
  thinking: obj({ 'type!': str({ enum: ['enabled', 'disabled', 'adaptive'] }), budget_tokens: num({ int: true, min: 1024 }), display: str({ enum: ['summarized', 'omitted'] }) }),
  service_tier: str({ enum: ['auto', 'standard_only'] }),
  container: oneOf(str(), obj({}, { open: true })),
  mcp_servers: arr(any),
  context_management: obj({ edits: arr(obj({ 'type!': str() }, { open: true })) }),
  output_config: obj({ effort: str({ enum: ['low', 'medium', 'high', 'xhigh', 'max'] }), format: any }),
  output_format: any,
  inference_geo: str(),
  speed: str({ enum: ['standard', 'fast'] }),
  cache_control: cacheControl,
});

/** Claude's [major, minor] from a model id (claude-opus-4-7 → [4, 7]; undefined when it has no number). */
function version(model: string): [number, number] | undefined {
  const m = /claude-(?:[a-z]+-)*?(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}
const since = (model: string, major: number, minor: number) => {
  const v = version(model);
  return v === undefined || v[0] > major || (v[0] === major && v[1] >= minor);
};

export interface FeatureBody {
  model: string; max_tokens: number;
  thinking?: { type?: string; budget_tokens?: number };
  context_management?: { edits?: Array<{ type: string }> };
  output_config?: { effort?: string };
}

/** Rules that depend on the model and the `anthropic-beta` header (see the header). */
export function featureProblems(body: FeatureBody, headers: Headers): string[] {
  const problems: string[] = [];
  const betas = (headers.get('anthropic-beta') ?? '').split(',').map((b) => b.trim());
  const { model, thinking } = body;
  if (thinking?.type === 'enabled' && since(model, 4, 7)) {
    problems.push('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
  }
  if (thinking?.type === 'adaptive' && !since(model, 4, 6)) problems.push(`thinking.type: adaptive thinking is not supported on ${model}`);
  if (thinking?.type === 'enabled' && (thinking.budget_tokens ?? 0) >= body.max_tokens && !betas.includes('interleaved-thinking-2025-05-14')) {
    problems.push('`max_tokens` must be greater than `thinking.budget_tokens`');
  }
  if (body.context_management !== undefined && !betas.includes('context-management-2025-06-27')) {
    problems.push('context_management: Extra inputs are not permitted (requires the context-management-2025-06-27 beta)');
  }
  const thinkingOn = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  if (!thinkingOn && body.context_management?.edits?.some((e) => e.type.startsWith('clear_thinking'))) {
    problems.push('context_management.edits: clear_thinking requires thinking to be enabled');
  }
  const effort = body.output_config?.effort;
  if ((effort === 'max' && !since(model, 4, 6)) || (effort === 'xhigh' && !since(model, 4, 7))) {
    problems.push(`output_config.effort: "${effort}" is not supported on ${model}`);
  }
  return problems;
}

interface Block { type: string; id?: string; text?: string; tool_use_id?: string; source?: { type: string; data?: string }; thinking?: string; signature?: string; data?: string; content?: unknown }

/** Thinking blocks the fake issued: `thinking:<signature>` → text, `redacted:<data>`. */
export type IssuedThinking = Map<string, string>;
/** For each issued thinking block (key as in IssuedThinking), the keys of every block of its message, in order. */
export type IssuedOrder = Map<string, string[]>;

/** A block's identity in a message: signature / data for signed blocks, the text, the tool_use id. */
function blockKey(b: Block): string {
  switch (b.type) {
    case 'thinking': return `thinking:${b.signature}`;
    case 'redacted_thinking': return `redacted:${b.data}`;
    case 'text': return `text:${b.text}`;
    case 'tool_use': return `tool_use:${b.id}`;
    default: return b.type;
  }
}

/** Assistant turns whose signed blocks are not where they were issued (see the header). */
function orderProblems(messages: Array<{ role: string; content: unknown }>, order: IssuedOrder): string[] {
  const problems: string[] = [];
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const keys = blocksOf(m.content).map(blockKey);
    const issued = keys.map((k) => order.get(k)).find((o) => o !== undefined);
    if (!issued || issued.join('\n') === keys.join('\n')) return;
    let j = 0;
    while (j < keys.length && keys[j] === issued[j]) j++;
    problems.push(`messages.${i}.content.${j}: \`thinking\` or \`redacted_thinking\` blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response.`);
  });
  return problems;
}

/** Anthropic's rules for thinking blocks sent back (see the header). */
function thinkingProblems(body: { thinking?: { type?: string }; messages?: Array<{ role: string; content: unknown }> }, issued: IssuedThinking, order: IssuedOrder): string[] {
  const problems: string[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((m, i) => blocksOf(m.content).forEach((b, j) => {
    if (b.type === 'thinking' && issued.get(`thinking:${b.signature}`) !== b.thinking) problems.push(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
    if (b.type === 'redacted_thinking' && !issued.has(`redacted:${b.data}`)) problems.push(`messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`);
  }));
  problems.push(...orderProblems(messages, order));
  const on = body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive';
  const last = messages.length - 2; // the assistant turn whose tool_use the final user turn answers
  if (on && last >= 0 && messages[last].role === 'assistant' && blocksOf(messages[last].content).some((b) => b.type === 'tool_use')) {
    const first = blocksOf(messages[last].content)[0];
    if (first.type !== 'thinking' && first.type !== 'redacted_thinking') {
      problems.push(`messages.${last}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). To avoid this requirement, disable \`thinking\`.`);
    }
  }
  return problems;
}

/** Records the thinking blocks in a body the fake served (a JSON message or an SSE stream), and its block order. */
function rememberThinking(text: string, issued: IssuedThinking, order: IssuedOrder): void {
  const blocks: Block[] = [];
  if (text.trimStart().startsWith('{')) blocks.push(...blocksOf((JSON.parse(text) as { content?: unknown }).content));
  else {
    const open = new Map<number, Block>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const e = JSON.parse(line.slice(6)) as { type: string; index?: number; content_block?: Block; delta?: { type: string; thinking?: string; signature?: string; text?: string } };
      if (e.type === 'content_block_start' && e.content_block) open.set(e.index!, { ...e.content_block });
      const b = e.index === undefined ? undefined : open.get(e.index);
      if (e.type === 'content_block_delta' && b && e.delta?.type === 'thinking_delta') b.thinking = (b.thinking ?? '') + e.delta.thinking;
      if (e.type === 'content_block_delta' && b && e.delta?.type === 'text_delta') b.text = (b.text ?? '') + e.delta.text;
      if (e.type === 'content_block_delta' && b && e.delta?.type === 'signature_delta') b.signature = (b.signature ?? '') + e.delta.signature;
      if (e.type === 'content_block_stop' && b) blocks.push(b);
    }
  }
  const keys = blocks.map(blockKey);
  for (const b of blocks) {
    if (b.type === 'thinking' && b.signature) issued.set(`thinking:${b.signature}`, b.thinking ?? '');
    if (b.type === 'redacted_thinking') issued.set(`redacted:${b.data}`, '');
    if ((b.type === 'thinking' && b.signature) || b.type === 'redacted_thinking') order.set(blockKey(b), keys);
  }
}

function blocksOf(content: unknown): Block[] {
  return Array.isArray(content) ? (content as Block[]) : [];
}

/** Documented conversation rules the schema cannot express. */
function semanticProblems(body: { messages?: Array<{ role: string; content: unknown }>; tool_choice?: unknown; tools?: unknown[] }): string[] {
  const problems: string[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((m, i) => {
    const blocks = blocksOf(m.content);
    const base64 = (b: Block, where: string) => {
      if ((b.type === 'image' || b.type === 'document') && b.source?.type === 'base64' && !isBase64(b.source.data ?? '')) {
        problems.push(`${where}.source.data: not valid base64`);
      }
    };
    blocks.forEach((b, j) => {
      base64(b, `messages.${i}.content.${j}`);
      if (b.type === 'tool_result') blocksOf(b.content).forEach((c, k) => base64(c, `messages.${i}.content.${j}.content.${k}`));
    });
    const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    if (m.role === 'assistant' && uses.length > 0) {
      const next = messages[i + 1];
      const nextBlocks = next ? blocksOf(next.content) : [];
      if (!next) return; // the conversation may end on a tool call only if it is being continued (prefill); allowed
      if (next.role !== 'user') {
        problems.push(`messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${uses.join(', ')}`);
        return;
      }
      const results = nextBlocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
      const missing = uses.filter((id) => !results.includes(id));
      if (missing.length > 0) problems.push(`messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`);
      const firstOther = nextBlocks.findIndex((b) => b.type !== 'tool_result');
      const lastResult = nextBlocks.map((b) => b.type).lastIndexOf('tool_result');
      if (firstOther !== -1 && firstOther < lastResult) problems.push(`messages.${i + 1}: tool_result blocks must come first in the user content`);
    }
    if (m.role === 'user') {
      const prev = messages[i - 1];
      const prevUses = prev?.role === 'assistant' ? blocksOf(prev.content).filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
      for (const b of blocks) {
        if (b.type === 'tool_result' && !prevUses.includes(b.tool_use_id)) {
          problems.push(`messages.${i}: unexpected tool_use_id found in tool_result blocks: ${b.tool_use_id}. Each tool_result block must have a corresponding tool_use block in the previous message`);
        }
      }
    }
  });
  const seen = new Set<string>();
  messages.forEach((m, i) => blocksOf(m.content).forEach((b, j) => {
    if (b.type !== 'tool_use' || b.id === undefined) return;
    if (seen.has(b.id)) problems.push(`messages.${i}.content.${j}: \`tool_use\` ids must be unique (${b.id})`);
    seen.add(b.id);
  }));
  if (body.tool_choice !== undefined && !Array.isArray(body.tools)) problems.push('tool_choice: may only be specified while providing tools');
  return problems;
}

export interface AnthropicFakeOptions {
  apiKey: string;
  /** The gateway client's key, which must never be forwarded. */
  clientKey: string;
  defaultTurn?: Turn;
}

export function validateAnthropic(incoming: Incoming, opts: AnthropicFakeOptions, issued: IssuedThinking = new Map(), order: IssuedOrder = new Map()): string[] {
  const problems: string[] = [];
  if (incoming.method !== 'POST' || incoming.url.pathname !== '/v1/messages') {
    return [`404 unknown endpoint ${incoming.method} ${incoming.url.pathname} (expected POST /v1/messages)`];
  }
  if (incoming.url.search) problems.push(`unexpected query string ${incoming.url.search}`);
  const key = incoming.headers.get('x-api-key');
  if (key !== opts.apiKey) return [`401 invalid x-api-key: ${key ?? 'missing'}`];
  if (incoming.headers.has('authorization')) problems.push('authorization header must not be sent with x-api-key');
  const version = incoming.headers.get('anthropic-version');
  if (!version || !ANTHROPIC_VERSIONS.includes(version)) problems.push(`anthropic-version header ${version === null ? 'is missing' : `"${version}" is not a valid version`}`);
  problems.push(...jsonContentType(incoming), ...noClientCredentials(incoming, opts.clientKey));
  if (incoming.body === undefined) return [...problems, 'the body is not JSON'];
  problems.push(...check(incoming.body, MESSAGES_REQUEST));
  if (problems.length === 0) problems.push(...semanticProblems(incoming.body as Parameters<typeof semanticProblems>[0]));
  if (problems.length === 0) problems.push(...featureProblems(incoming.body as FeatureBody, incoming.headers));
  if (problems.length === 0) problems.push(...thinkingProblems(incoming.body as Parameters<typeof thinkingProblems>[0], issued, order));
  return problems;
}

export function anthropicError(status: number, message: string): Response {
  const type = status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return new Response(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' }), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': 'req_fake' },
  });
}

export interface AnthropicFake extends StrictFake {
  /** Every thinking block the fake has served (see IssuedThinking). */
  readonly issuedThinking: IssuedThinking;
}

export function startAnthropicFake(opts: AnthropicFakeOptions): AnthropicFake {
  const issued: IssuedThinking = new Map();
  const order: IssuedOrder = new Map();
  const fake = startStrictFake({
    name: 'anthropic',
    validate: (incoming) => validateAnthropic(incoming, opts, issued, order),
    onServe: (text) => rememberThinking(text, issued, order),
    errorResponse: anthropicError,
    isStream: (incoming) => (incoming.body as { stream?: unknown } | undefined)?.stream === true,
    defaultTurn: opts.defaultTurn ?? { json: 'anthropic/conformance-text.json', sse: 'anthropic/conformance-text.sse' },
  });
  return { ...fake, issuedThinking: issued };
}
