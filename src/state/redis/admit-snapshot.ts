// The x-ratelimit-* figures of an admitted request on Redis: the admission script's reply carries, per rule,
// the rpm and tpm used and the time until each window's oldest count leaves it (./admit-script.ts);
// the response shows the tightest rule of each family, as the in-memory limiter does.

import type { ScriptReply } from './client.ts';
import { type FamilyStatus, type LimitRule, type LimitSnapshot, isTighter } from '../../limits/rate-limiter.ts';

/** The tightest rpm and tpm status from the script's per-rule numbers (used, reset ms). */
export function snapshotOf(rules: readonly LimitRule[], reply: ScriptReply[]): LimitSnapshot {
  let requests: FamilyStatus | undefined;
  let tokens: FamilyStatus | undefined;
  rules.forEach((r, i) => {
    const at = 2 + i * 4;
    const rpmUsed = Number(reply[at]);
    const rpmReset = Number(reply[at + 1]);
    const tpmUsed = Number(reply[at + 2]);
    const tpmReset = Number(reply[at + 3]);
    if (r.rpm !== undefined) requests = tighter(requests, { limit: r.rpm, remaining: Math.max(0, r.rpm - rpmUsed), resetMs: rpmReset });
    if (r.tpm !== undefined) tokens = tighter(tokens, { limit: r.tpm, remaining: Math.max(0, r.tpm - tpmUsed), resetMs: tpmReset });
  });
  return { requests, tokens };
}

function tighter(a: FamilyStatus | undefined, b: FamilyStatus): FamilyStatus {
  return !a || isTighter(b.remaining, b.limit, a.remaining, a.limit) ? b : a;
}
