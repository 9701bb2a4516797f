// OpenAI's x-ratelimit-* headers from a limiter snapshot, and the 429 for a denied request.

import { GatewayError } from '../contracts/errors.ts';
import type { Denial, LimitSnapshot } from './rate-limiter.ts';
import { ruleLabel } from './rate-limiter.ts';

/** OpenAI (Go) style durations: "250ms", "12s", "7.66s", "1m0s", "1m12.5s", "1h0m0s". Integer arithmetic only (every response carries two). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const s = `${secondsPart(total % 60_000)}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}

/** ms below a minute as seconds with up to three decimals, no trailing zeros: 7660 → "7.66". */
function secondsPart(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  if (frac === 0) return String(whole);
  if (frac % 100 === 0) return `${whole}.${frac / 100}`;
  if (frac % 10 === 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/** Headers for the tightest rpm and tpm rule; a family without a rule is left out. */
export function rateLimitHeaders(snapshot: LimitSnapshot): Record<string, string> {
  const h: Record<string, string> = {};
  if (snapshot.requests) {
    h['x-ratelimit-limit-requests'] = String(snapshot.requests.limit);
    h['x-ratelimit-remaining-requests'] = String(snapshot.requests.remaining);
    h['x-ratelimit-reset-requests'] = formatDuration(snapshot.requests.resetMs);
  }
  if (snapshot.tokens) {
    h['x-ratelimit-limit-tokens'] = String(snapshot.tokens.limit);
    h['x-ratelimit-remaining-tokens'] = String(snapshot.tokens.remaining);
    h['x-ratelimit-reset-tokens'] = formatDuration(snapshot.tokens.resetMs);
  }
  return h;
}

const UNIT: Record<Denial['dimension'], string> = { rpm: 'requests per minute', tpm: 'tokens per minute', concurrency: 'requests in flight' };

export function rateLimitError(denial: Denial, snapshot: LimitSnapshot): GatewayError {
  const { rule, dimension, limit } = denial;
  const which = `${ruleLabel(rule)} ${dimension} ${limit}`;
  let message: string;
  if (denial.retryAfterMs === undefined) {
    message = `Rate limit ${which} (${UNIT[dimension]}): this request alone needs ${denial.tokens} tokens (prompt estimate + max_tokens), more than the limit allows. ` +
      `Lower max_tokens or shorten the prompt, or ask this gateway's operator to raise ${rule.source}.`;
  } else {
    message = `Rate limit reached: ${which} (${UNIT[dimension]}). Retry after ${formatDuration(denial.retryAfterMs)}, ` +
      `or ask this gateway's operator to raise ${rule.source}.`;
  }
  return new GatewayError({
    status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message,
    retryAfterMs: denial.retryAfterMs, headers: rateLimitHeaders(snapshot),
  });
}
