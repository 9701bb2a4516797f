// Validation of admin API input: every problem is a 400 naming the field and how to fix it.
// Optional readers return undefined for an absent field and null for an explicit null (= clear it).

import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGateway } from '../compile/types.ts';
import type { LimitSpec } from '../config/types.ts';
import { parseIp } from '../pipeline/ip-match.ts';
import { decodeUtf8, readBytes } from './read-body.ts';

export function badRequest(param: string | null, message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: param ? 'invalid_value' : 'invalid_request', param, message });
}

/** Admin bodies are small JSON objects: 1 MiB at most, read within the default body deadline. */
const ADMIN_BODY_BYTES = 1024 * 1024;

export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = decodeUtf8(await readBytes(request, ADMIN_BODY_BYTES));
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GatewayError({ status: 400, type: 'invalid_request_error', code: 'invalid_json', message: `The request body is not valid JSON (${(err as Error).message}). Send a JSON object with Content-Type: application/json.` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(null, 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function checkFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown) throw badRequest(unknown, `Unknown field "${unknown}". Allowed fields: ${allowed.join(', ')}.`);
}

/**
 * The largest budget a key may reach, top-ups included: 1e9 USD. In micro-dollars (1e15) it stays far inside
 * what the ledger's integer columns and JavaScript numbers hold exactly (2^53 ≈ 9e15).
 */
export const MAX_BUDGET_MICROS = 1e15;

/** USD amount → micro-dollars. Negative only when `allowNegative` (top-ups may take money back). */
export function optBudget(v: unknown, param: string, allowNegative = false): number | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isFinite(v) || (!allowNegative && v < 0) || Math.abs(v) > MAX_BUDGET_MICROS / 1e6) {
    throw badRequest(param, `"${param}" must be a ${allowNegative ? '' : 'non-negative '}number of US dollars, e.g. 5 or 0.25.`);
  }
  return Math.round(v * 1e6);
}

/** The largest time a JavaScript Date holds (±100 million days from 1970). */
const MAX_DATE_MS = 8.64e15;

export function optExpiry(v: unknown): number | null | undefined {
  if (v === undefined || v === null) return v;
  // An ISO date with a four-digit year: Date.parse alone also takes "0" (2000-01-01) and years ±275,760.
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(?:$|T)/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw badRequest('expires_at', '"expires_at" must be an ISO date such as 2027-06-30T00:00:00Z (or null for never).');
  return ms;
}

export function optStrings(v: unknown, param: string): string[] | null | undefined {
  if (v === undefined || v === null) return v;
  // eslint-disable-next-line no-control-regex
  if (!Array.isArray(v) || v.length > 10_000 || v.some((x) => typeof x !== 'string' || x === '' || x.length > 256 || /[\u0000-\u001f\u007f]/.test(x))) {
    throw badRequest(param, `"${param}" must be a list of at most 10,000 non-empty strings of at most 256 characters, without control characters.`);
  }
  return v as string[];
}

export function optCidrs(v: unknown): string[] | null | undefined {
  const list = optStrings(v, 'allow_ips');
  for (const cidr of list ?? []) {
    const [base, bits, extra] = cidr.split('/');
    const addr = parseIp(base);
    const max = addr ? addr.length * 8 : 0;
    if (!addr || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw badRequest('allow_ips', `"${cidr}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32).`);
    }
  }
  return list;
}

export function optGroup(v: unknown, gw: CompiledGateway): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || (v !== 'default' && !gw.groups.has(v))) {
    throw badRequest('group', `Unknown group ${JSON.stringify(v)}; declared groups: ${['default', ...[...gw.groups.keys()].filter((g) => g !== 'default')].join(', ')}.`);
  }
  return v;
}

export function optLimits(v: unknown): LimitSpec | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest('limits', '"limits" must be an object like {"rpm": 60, "tpm": 100000, "concurrency": 4}.');
  const out: LimitSpec = {};
  for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
    if (k !== 'rpm' && k !== 'tpm' && k !== 'concurrency') throw badRequest(`limits.${k}`, `Unknown limit "${k}"; use rpm, tpm or concurrency.`);
    if (n === null || n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw badRequest(`limits.${k}`, `limits.${k} must be a whole number from 1 to ${MAX_LIMIT.toExponential()}.`);
    out[k] = n;
  }
  return out;
}

/** The largest rpm, tpm or concurrency limit: far above any real one, and exact in Redis's Lua numbers. */
const MAX_LIMIT = 1e12;

/** A time bound: epoch milliseconds, or an ISO date / date-time. */
export function parseTime(v: string | null, param: string): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw badRequest(param, `"${param}" must be an ISO date (2025-01-31 or 2025-01-31T12:00:00Z) or epoch milliseconds.`);
  return ms;
}

/** Micro-dollars as USD for an answer (null when there is no figure). */
export const usd = (micros: number | undefined | null): number | null => (micros === undefined || micros === null ? null : micros / 1e6);

/** 405 for an admin path asked with a method it does not serve. */
export function notAllowed(method: string, path: string): GatewayError {
  return new GatewayError({ status: 405, type: 'invalid_request_error', code: 'method_not_allowed', message: `${method} is not supported on ${path}. See README "Admin API".` });
}

/**
 * A top-up's bounds (keys and groups): taking back never below zero, adding never above MAX_BUDGET_MICROS.
 * `what` names the account in the message (`key "alice"`, `group "team"`); `takeBackHint` ends the first.
 */
export function checkTopUp(what: string, budget: number, topUp: number, takeBackHint = ''): void {
  if (topUp < 0 && budget + topUp < 0) {
    throw badRequest('top_up', `Taking back ${usd(-topUp)} USD would leave ${what} a budget below zero (it is ${usd(budget)} USD); take back at most ${usd(budget)}${takeBackHint}.`);
  }
  if (topUp > 0 && budget + topUp > MAX_BUDGET_MICROS) {
    throw badRequest('top_up', `A top-up of ${usd(topUp)} USD would raise ${what} to ${usd(budget + topUp)} USD, above the largest budget one may have (${usd(MAX_BUDGET_MICROS)} USD); add at most ${usd(Math.max(0, MAX_BUDGET_MICROS - budget))}.`);
  }
}

