// One GET of a vendor's account-balance endpoint (src/ops/balance-checks.ts): through callUpstream (timeout
// until the body is read, redirects refused, body size capped), answered as parsed JSON or as a short,
// sanitized error message. The message never carries the key, the URL or more than a few words of what the
// upstream sent: secrets are masked, URLs, hosts and paths stripped, control characters dropped, and the
// text cut to MESSAGE_CHARS.

import { isGatewayError } from '../contracts/errors.ts';
import { upstreamMessage } from '../contracts/upstream-errors.ts';
import { callUpstream } from './call.ts';
import { redact, stripUpstreamDetails } from './redact.ts';

/** Largest balance answer read, in bytes: these answers are a few hundred bytes. */
export const BALANCE_MAX_BYTES = 64 * 1024;
const MESSAGE_CHARS = 120;

/** A failed balance read; `message` is safe to show and log. */
export class BalanceError extends Error {
  override readonly name = 'BalanceError';
}

export interface BalanceGet {
  provider: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Secret values to mask in anything the upstream echoes back. */
  secrets: readonly string[];
}

/** Safe, short text from anything an upstream (or a fetch error) said. */
export function sanitize(text: string, secrets: readonly string[]): string {
  // eslint-disable-next-line no-control-regex
  const clean = stripUpstreamDetails(redact(text, secrets)).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MESSAGE_CHARS ? `${clean.slice(0, MESSAGE_CHARS - 1)}…` : clean;
}

/** GETs `url` and returns its JSON body; throws BalanceError with a safe message otherwise. */
export async function getBalanceJson(url: string, get: BalanceGet): Promise<unknown> {
  let status: number;
  let text: string;
  let contentType: string;
  try {
    const call = await callUpstream({ url, method: 'GET', headers: { accept: 'application/json', ...get.headers } }, {
      provider: get.provider, timeoutMs: get.timeoutMs, signal: get.signal, maxResponseBytes: BALANCE_MAX_BYTES,
    });
    status = call.response.status;
    contentType = call.response.headers.get('content-type') ?? '';
    text = await call.text();
  } catch (err) {
    if (get.signal.aborted) throw new BalanceError('the check was cancelled (gateway stopping)');
    if (isGatewayError(err) && err.code === 'upstream_timeout') throw new BalanceError(`no answer within ${Math.round(get.timeoutMs / 1000)} s`);
    throw new BalanceError(sanitize(isGatewayError(err) ? err.message : 'network error', get.secrets));
  }
  if (status < 200 || status >= 300) {
    // The vendor's own words, as every upstream error is read (upstream-errors.ts: never a non-JSON body).
    throw new BalanceError(`HTTP ${status}: ${sanitize(upstreamMessage(text), get.secrets)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const what = /html/i.test(contentType) || /^\s*</.test(text) ? 'an HTML page' : 'text that is not JSON';
    throw new BalanceError(`unexpected answer: ${what} (HTTP ${status})`);
  }
}
