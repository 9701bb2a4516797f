// The floor ladder's admission (issue 13): rate limits and a budget in their cheapest form, for
// bench/floor-ladder.ts. Limits: per rule (the key's and its group's) an rpm and a tpm sliding 60 s window,
// the gateway's own SlidingWindow (src/limits/sliding-window.ts: a ring of 100 ms buckets), and a
// concurrency counter; checked and counted before the call, tpm corrected to the actual tokens after it,
// without the gateway's rule resolution, snapshots, headers and lease objects. Budget: a synchronous
// check-and-reserve of the worst-case cost before, settled with the actual cost after (as
// src/runtime/budgets.ts). The window is the only piece taken from src/: the algorithm whose cost the
// gateway's limiter pays too.

import { SlidingWindow } from '../src/limits/sliding-window.ts';

export interface Rule {
  rpm: number;
  tpm: number;
  concurrency: number;
  requests: SlidingWindow;
  tokens: SlidingWindow;
  inFlight: number;
}

export const rule = (rpm: number, tpm: number, concurrency: number): Rule => ({ rpm, tpm, concurrency, requests: new SlidingWindow(), tokens: new SlidingWindow(), inFlight: 0 });

/** What an admitted request counted, to correct or undo it later (the buckets of the key's counts, then the group's). */
export interface Held {
  requests: [number, number];
  tokens: [number, number];
  estimate: number;
}

/** Which check refused, or what was counted in both rules when both admit. */
export function admit(key: Rule, group: Rule, estimate: number, now: number): Held | string {
  if (key.inFlight >= key.concurrency || group.inFlight >= group.concurrency) return 'concurrency';
  if (key.requests.used(now) + 1 > key.rpm || group.requests.used(now) + 1 > group.rpm) return 'rpm';
  if (key.tokens.used(now) + estimate > key.tpm || group.tokens.used(now) + estimate > group.tpm) return 'tpm';
  key.inFlight++;
  group.inFlight++;
  return {
    requests: [key.requests.add(1, now), group.requests.add(1, now)],
    tokens: [key.tokens.add(estimate, now), group.tokens.add(estimate, now)],
    estimate,
  };
}

/** After the call: the token estimate becomes the actual count; one fewer in flight. */
export function release(key: Rule, group: Rule, held: Held, actual: number): void {
  key.tokens.adjust(held.tokens[0], held.estimate, actual);
  group.tokens.adjust(held.tokens[1], held.estimate, actual);
  key.inFlight--;
  group.inFlight--;
}

export interface Account {
  budgetMicros: number;
  spentMicros: number;
  reservedMicros: number;
}

/** Reserves the worst case; false when it does not fit (spent + reserved + worst case > budget). */
export function reserve(a: Account, worstMicros: number): boolean {
  if (a.spentMicros + a.reservedMicros + worstMicros > a.budgetMicros) return false;
  a.reservedMicros += worstMicros;
  return true;
}

export function settle(a: Account, worstMicros: number, actualMicros: number): void {
  a.reservedMicros -= worstMicros;
  a.spentMicros += actualMicros;
}

/** Integer micro-dollars for a price per million tokens (input, output). */
export const costMicros = (inPerM: number, outPerM: number, prompt: number, completion: number) => Math.round(prompt * inPerM + completion * outPerM);

/** Undoes an admission whose request never ran (the budget refused it): counts nothing, frees its slot. */
export function cancel(key: Rule, group: Rule, held: Held): void {
  key.requests.adjust(held.requests[0], 1, 0);
  group.requests.adjust(held.requests[1], 1, 0);
  release(key, group, held, 0);
}

/** ms until the window frees room (the reset headers). */
export const resetMs = (w: SlidingWindow, now: number) => w.nextFreeMs(now);
