// Extended thinking on an Anthropic request body (anthropic adapter, and vertex for Claude): the client's
// own `thinking`, OpenAI's reasoning_effort mapped to Anthropic's controls, and a budgeted key's output cap.
//
// Decisions:
// - An Anthropic client's `thinking` (anthropic_thinking) is sent unchanged, except while a tool loop is
//   open whose last assistant turn carries no signed thinking_blocks (a non-Anthropic target answered the
//   previous step: mixed alias, fallback, model switch). Anthropic then refuses the request ("a final
//   assistant message must start with a thinking block"), so thinking is left out of that one request
//   (Anthropic allows thinking to be off mid-loop), with any `clear_thinking_*` context edit, which needs
//   thinking on. The next turn, answered by Claude with signed thinking, thinks again.
// - reasoning_effort (and Responses reasoning.effort) follows the model's thinking style (effortStyle):
//   - "adaptive" (Claude 4.6 and later): thinking {type:"adaptive"} + output_config.effort. minimal → low;
//     low / medium / high as they are; xhigh → "xhigh" on 4.7 and later, "max" on 4.6 (4.6 has no xhigh).
//   - "budget" (older models, which refuse adaptive): thinking {type:"enabled", budget_tokens}, minimal and
//     low 1,024, medium 4,096, high 16,384, xhigh 32,768.
//   Both raise max_tokens to budget + 4,096 when it is lower (thinking counts towards max_tokens), drop
//   temperature and top_p (thinking refuses them), and are skipped in an open tool loop without signed
//   thinking, as above. "none" (or any other value) asks for no thinking.
// - The style is the provider option `effort_thinking`: "auto" (default), "adaptive", "budget", or a map
//   from upstream model to one of those. "auto" reads the model name: a Claude model of version 4.6 or
//   later, or a Claude name with no version number (a new family), is adaptive; everything else is budget.
// - A hard output cap (a budgeted key, AdapterRequest.outputCap) bounds max_tokens, which covers thinking
//   too: a budget that does not fit below it is lowered to half the cap (at least 1,024), and thinking is
//   left out when the cap cannot hold that plus an answer. Adaptive thinking has no budget: only max_tokens
//   is capped.

import type { ChatRequest, JsonValue, ProviderView } from '../../src/contracts/index.ts';
import type { AnthropicRequestBody } from './wire-types.ts';

/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;
/** Room for the answer beside a thinking budget when the gateway raises max_tokens. */
const ANSWER_ROOM = 4096;

const THINKING_BUDGET: Record<string, number> = { minimal: 1024, low: 1024, medium: 4096, high: 16384, xhigh: 32768 };

export type EffortStyle = 'adaptive' | 'budget';

/** Claude's [major, minor] version from a model id (claude-opus-4-6, claude-3-7-sonnet-…, anthropic.claude-…). */
function claudeVersion(model: string): [number, number] | undefined {
  const m = /claude-(?:[a-z]+-)*?(\d+)(?:[-.](\d{1,2})(?!\d))?/i.exec(model);
  return m ? [Number(m[1]), m[2] === undefined ? 0 : Number(m[2])] : undefined;
}

const atLeast = (v: [number, number] | undefined, major: number, minor: number) =>
  v === undefined || v[0] > major || (v[0] === major && v[1] >= minor);

/** How reasoning_effort reaches this model (see the header). */
function effortStyle(provider: ProviderView, model: string): EffortStyle {
  const option: JsonValue | undefined = provider.options.effort_thinking;
  const chosen = option && typeof option === 'object' && !Array.isArray(option) ? option[model] : option;
  if (chosen === 'adaptive' || chosen === 'budget') return chosen;
  if (!/claude/i.test(model)) return 'budget';
  return atLeast(claudeVersion(model), 4, 6) ? 'adaptive' : 'budget';
}

/** Is a tool loop open whose last assistant turn has no signed thinking (Anthropic then refuses thinking)? */
function unsignedToolLoop(chat: ChatRequest): boolean {
  // Backwards from the end, without copying a long history (Claude Code sends hundreds of turns).
  for (let i = chat.messages.length - 1; i >= 0; i--) {
    const m = chat.messages[i];
    if (m.role === 'assistant') return Boolean(m.tool_calls?.length && !m.thinking_blocks?.length);
  }
  return false;
}

/** The client's own `thinking` (anthropic_thinking), unless an unsigned tool loop forbids it (see the header). */
export function applyClientThinking(body: AnthropicRequestBody, chat: ChatRequest): void {
  const thinking = chat.anthropic_thinking;
  if (thinking === undefined) return;
  if (thinking.type === 'disabled' || !unsignedToolLoop(chat)) {
    body.thinking = thinking;
    return;
  }
  withoutThinkingEdits(body);
}

/** Removes `clear_thinking_*` context edits (Anthropic refuses them with thinking off). */
function withoutThinkingEdits(body: AnthropicRequestBody): void {
  const cm = body.context_management;
  if (!cm || typeof cm !== 'object' || Array.isArray(cm) || !Array.isArray(cm.edits)) return;
  const edits = cm.edits.filter((e) => !(e && typeof e === 'object' && !Array.isArray(e) && typeof e.type === 'string' && e.type.startsWith('clear_thinking')));
  if (edits.length === cm.edits.length) return;
  if (edits.length === 0 && Object.keys(cm).length === 1) delete body.context_management;
  else body.context_management = { ...cm, edits };
}

/** reasoning_effort → Anthropic thinking in the model's style (see the header); nothing to do without one. */
export function applyEffort(body: AnthropicRequestBody, chat: ChatRequest, provider: ProviderView): void {
  const effort = chat.reasoning_effort;
  const budget = typeof effort === 'string' ? THINKING_BUDGET[effort] : undefined;
  if (!budget || unsignedToolLoop(chat)) return;
  if (effortStyle(provider, body.model) === 'adaptive') {
    body.thinking = { type: 'adaptive' };
    const config = body.output_config;
    const base = config && typeof config === 'object' && !Array.isArray(config) ? config : {};
    if (base.effort === undefined) body.output_config = { ...base, effort: adaptiveEffort(effort as string, body.model) };
  } else {
    body.thinking = { type: 'enabled', budget_tokens: budget };
  }
  if (body.max_tokens <= budget) body.max_tokens = budget + ANSWER_ROOM;
  delete body.temperature;
  delete body.top_p;
}

function adaptiveEffort(effort: string, model: string): string {
  if (effort === 'minimal') return 'low';
  if (effort === 'xhigh') return atLeast(claudeVersion(model), 4, 7) ? 'xhigh' : 'max';
  return effort;
}

/** Fits max_tokens, and a thinking budget, within a hard output cap (see the header). */
export function fitThinkingInCap(body: AnthropicRequestBody, cap: number): void {
  if (body.max_tokens > cap) body.max_tokens = cap;
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type !== 'enabled' || typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < body.max_tokens) return;
  // Half the cap for thinking leaves the other half for the answer; at least Anthropic's smallest budget.
  const half = Math.floor(body.max_tokens / 2);
  const budget = half >= MIN_THINKING_BUDGET ? half : body.max_tokens > MIN_THINKING_BUDGET ? MIN_THINKING_BUDGET : 0;
  if (budget > 0) body.thinking = { ...thinking, type: 'enabled', budget_tokens: budget };
  else delete body.thinking;
}
