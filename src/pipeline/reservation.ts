// What a request may cost before it runs (DESIGN §3 step 6), and which models may answer it for a key.
// The reservation covers everything an upstream can bill for the request's shape:
//   - output: the larger of max_tokens / max_completion_tokens (an upstream may honour either), else the
//     model's max_output_tokens; times `n` choices (and `best_of` and the number of prompts on completions);
//   - prompt: the js-tiktoken estimate of messages / prompt / embeddings input;
//   - per_request: once, or once per image (`n`) on image operations;
// at the dearest model that may answer: the requested one or a fallback the key may use.

import type { JsonObject, JsonValue } from '../contracts/canonical.ts';
import type { CompiledGateway, CompiledKey, CompiledModel, Target } from '../compile/types.ts';
import { modelAllowed } from './authenticate.ts';
import { reservationMicros } from './cost.ts';
import type { InboundCall } from './types.ts';

export type Plan = Array<{ model: string; targets: readonly Target[] }>;

/** How much output a request may produce, independent of the model. */
export interface OutputShape {
  /** The client's own cap (the larger one when both fields are sent); undefined = the model's default. */
  maxTokens?: number;
  /** Output multiplier: `n` choices, × `best_of` and × prompts on completions. 0 = no output tokens. */
  choices: number;
  /** How many times per_request is charged (images per request). */
  units: number;
}

const posInt = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

function larger(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

const IMAGE_OPS = new Set(['images.generations', 'images.edits', 'images.variations']);

export function outputShape(call: InboundCall): OutputShape {
  const body = call.body;
  if (call.operation === 'chat') {
    return { maxTokens: larger(posInt(body.max_tokens), posInt(body.max_completion_tokens)), choices: posInt(body.n) ?? 1, units: 1 };
  }
  if (call.operation === 'completions') {
    const choices = Math.max(posInt(body.n) ?? 1, posInt(body.best_of) ?? 1) * promptCount(body.prompt);
    return { maxTokens: larger(posInt(body.max_tokens), posInt(body.max_completion_tokens)), choices, units: 1 };
  }
  if (IMAGE_OPS.has(call.operation)) return { choices: 0, units: imageCount(call) };
  return { choices: 0, units: 1 };
}

/** Output tokens `model` may produce for this shape (for tpm and the reservation). */
export function maxOutputTokens(shape: OutputShape, model: CompiledModel | undefined): number {
  if (shape.choices === 0) return 0;
  return (shape.maxTokens ?? model?.maxOutputTokens ?? 0) * shape.choices;
}

/** The reservation: the most any model of `models` may cost for this request. */
export function reservationFor(shape: OutputShape, models: readonly CompiledModel[], multiplier: number, promptTokens: number): number {
  let most = 0;
  for (const m of models) most = Math.max(most, reservationMicros(m.price, multiplier, promptTokens, maxOutputTokens(shape, m), shape.units));
  return most;
}

/** The plan without the models the key may not use (fallbacks included). No copy when all are allowed. */
export function planForKey(plan: Plan, key: CompiledKey): Plan {
  if (!key.modelPatterns) return plan;
  return plan.every((tier) => modelAllowed(key, tier.model)) ? plan : plan.filter((tier) => modelAllowed(key, tier.model));
}

/** The distinct public models of a plan (those that may answer). */
export function modelsOf(gw: CompiledGateway, plan: Plan): CompiledModel[] {
  const out: CompiledModel[] = [];
  for (const tier of plan) {
    const m = gw.models.get(tier.model);
    if (m && !out.includes(m)) out.push(m);
  }
  return out;
}

/** Images billed per image: the images an answer carries (`data`), for per_request pricing. */
export function imagesIn(body: JsonValue): number {
  const data = (body as JsonObject | null)?.data;
  return Array.isArray(data) && data.length > 0 ? data.length : 1;
}

export function isImageOperation(operation: string): boolean {
  return IMAGE_OPS.has(operation);
}

/** Completions take one prompt, a list of prompts, a token list or a list of token lists. */
function promptCount(prompt: JsonValue | undefined): number {
  return Array.isArray(prompt) && prompt.length > 0 && typeof prompt[0] !== 'number' ? prompt.length : 1;
}

function imageCount(call: InboundCall): number {
  const fromForm = call.form?.get('n');
  const n = typeof fromForm === 'string' ? Number(fromForm) : call.body.n;
  return posInt(n as JsonValue) ?? 1;
}
