// What admission (limits and budget) asks about one model call, answered only when asked: the prompt's
// tokens are counted once and only if a tpm rule, a budget or a missing upstream usage needs them; the
// worst-case cost is computed only for keys with a budget. A class, so a request makes one object here (its
// getters live on the prototype) instead of an object literal with two getters and their closures.

import type { CompiledGateway, CompiledKey, CompiledModel } from '../compile/types.ts';
import type { AdmissionRequest } from '../runtime/contracts.ts';
import { countRequestPrompt } from '../tokens/count.ts';
import { type OutputShape, type Plan, maxOutputTokens, modelsOf, outputShape, reservationFor } from './reservation.ts';
import type { InboundCall } from './types.ts';

export class CallAdmission implements AdmissionRequest {
  readonly maxOutputTokens: number;
  readonly #shape: OutputShape;
  #promptTokens: number | undefined;

  constructor(
    readonly gw: CompiledGateway,
    readonly key: CompiledKey,
    readonly model: CompiledModel | undefined,
    private readonly call: InboundCall,
    private readonly plan: Plan,
    /** The models the plan may bill at (compiled per key × model), or undefined to derive them from the plan. */
    private readonly priced: readonly CompiledModel[] | undefined,
    private readonly multiplier: number,
  ) {
    this.#shape = outputShape(call);
    this.maxOutputTokens = maxOutputTokens(this.#shape, model);
  }

  /** The prompt's tokens (js-tiktoken), counted on first read. */
  get promptTokens(): number {
    return (this.#promptTokens ??= this.call.operation === 'passthrough' ? 0 : countRequestPrompt(this.call.body));
  }

  /** The worst-case cost in micro-dollars (read only for keys with a budget). */
  get reservationMicros(): number {
    return this.model ? reservationFor(this.#shape, this.priced ?? modelsOf(this.gw, this.plan), this.multiplier, this.promptTokens) : 0;
  }
}
