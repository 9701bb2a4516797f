// Which assistant turns keep `reasoning_content` when a chat request goes to an OpenAI-compatible
// upstream. Vendors differ, so the rule is a provider option, `reasoning_content`:
// - `strip` (OpenAI itself, Azure, and every vendor not known to want it): the field goes. OpenAI's API
//   does not define it on input messages, and strict OpenAI-compatible servers refuse unknown message
//   properties (Cerebras: "property 'messages.2.assistant.reasoning_content' is unsupported"; older vLLM).
// - `tool_turns` (default for DeepSeek, Moonshot Kimi and Zhipu GLM, by preset or by their API host): kept
//   on the assistant turns of a tool loop, i.e. from an assistant turn with `tool_calls` up to the next
//   user message (the turns answering tool results included), stripped elsewhere. DeepSeek's thinking
//   mode answers 400 "The reasoning_content in the thinking mode must be passed back to the API" when a
//   tool-call turn lacks it and ignores it on other turns (api-docs.deepseek.com/guides/thinking_mode);
//   Kimi's thinking models refuse such a turn too ("reasoning_content is missing in assistant tool call
//   message"); GLM asks for it with interleaved thinking + tools (docs.z.ai, Thinking Mode).
// - `keep`: sent on every assistant turn that has it.
// Only the field goes; everything else stays byte for byte (the upstream's prefix cache still matches).

import type { JsonObject, JsonValue, ProviderView } from '../../src/contracts/index.ts';

export type ReasoningMode = 'keep' | 'strip' | 'tool_turns';
const REASONING_MODES: readonly ReasoningMode[] = ['keep', 'strip', 'tool_turns'];

export const REASONING_CONTENT_OPTION: JsonObject = {
  type: 'string',
  enum: [...REASONING_MODES],
  description: 'Which assistant turns keep `reasoning_content` on the way to this upstream: tool_turns (the turns of a tool loop; default for DeepSeek, Moonshot and Zhipu), keep (every turn) or strip (none; default for OpenAI, Azure and other vendors).',
};

/** API hosts whose thinking models want reasoning_content back on tool-loop turns. */
const TOOL_TURN_HOSTS = ['api.deepseek.com', 'api.moonshot.cn', 'api.moonshot.ai', 'open.bigmodel.cn', 'api.z.ai'];

const modes = new WeakMap<ProviderView, ReasoningMode>();

/** The provider's mode: its `reasoning_content` option, else the preset's default, else by API host. Memoised per view. */
export function reasoningMode(provider: ProviderView, presetDefault?: ReasoningMode): ReasoningMode {
  let mode = modes.get(provider);
  if (mode === undefined) {
    const option = provider.options.reasoning_content;
    mode = typeof option === 'string' && (REASONING_MODES as readonly string[]).includes(option) ? (option as ReasoningMode)
      : presetDefault ?? (wantsToolTurns(provider.baseUrl) ? 'tool_turns' : 'strip');
    modes.set(provider, mode);
  }
  return mode;
}

function wantsToolTurns(baseUrl: string): boolean {
  try {
    return TOOL_TURN_HOSTS.includes(new URL(baseUrl).hostname);
  } catch {
    return false;
  }
}

export type Msg = { [k: string]: JsonValue };
export const isObj = (v: JsonValue | undefined): v is Msg => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * For each message, whether its `reasoning_content` must go under `mode` (false for messages without
 * one). Undefined when none must go, so the caller copies nothing.
 */
export function reasoningToDrop(messages: JsonValue[], mode: ReasoningMode): boolean[] | undefined {
  if (mode === 'keep') return undefined;
  let drop: boolean[] | undefined;
  let inToolLoop = false;
  // A plain loop: this runs on every chat request to an OpenAI-style upstream (no closure per call).
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!isObj(m)) continue;
    if (m.role === 'user') inToolLoop = false;
    if (m.role !== 'assistant') continue;
    if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) inToolLoop = true;
    if (!('reasoning_content' in m)) continue;
    if (mode === 'strip' || !inToolLoop || typeof m.reasoning_content !== 'string') (drop ??= new Array<boolean>(messages.length).fill(false))[i] = true;
  }
  return drop;
}

/** The body with `reasoning_content` removed where `mode` says so (the same body when nothing goes). */
export function filterReasoning(body: JsonObject, mode: ReasoningMode): JsonObject {
  const messages = body.messages;
  if (!Array.isArray(messages)) return body;
  const drop = reasoningToDrop(messages, mode);
  if (!drop) return body;
  return { ...body, messages: messages.map((m, i) => (drop[i] && isObj(m) ? withoutReasoning(m) : m)) };
}

function withoutReasoning(m: Msg): Msg {
  const { reasoning_content: _r, ...rest } = m;
  return rest;
}
