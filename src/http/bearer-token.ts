// The admin and metrics tokens, as README documents them: only "Authorization: Bearer <token>" (not
// x-api-key or a bare Authorization value, which are API-key conventions). Compared in constant time;
// only a presented-but-wrong token counts towards the per-address lockout (TokenGuard), so requests
// without one (a scanner, a scraper missing its token) cannot lock the real admin out.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenGuard } from './token-guard.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The token of an `Authorization: Bearer <token>` header, or undefined (no header, another scheme, empty). */
export function bearerToken(headers: Headers): string | undefined {
  const auth = headers.get('authorization');
  if (!auth) return undefined;
  const match = /^Bearer\s+(\S.*)$/i.exec(auth.trim());
  return match ? match[1].trim() : undefined;
}

/** 'ok', 'missing' (no Bearer token: not counted) or 'wrong' (counted against the caller's address). */
export function checkBearer(headers: Headers, expected: string, guard?: TokenGuard): 'ok' | 'missing' | 'wrong' {
  const presented = bearerToken(headers);
  if (presented === undefined) return 'missing';
  if (timingSafeEqual(digest(presented), digest(expected))) return 'ok';
  guard?.throttle.fail(guard.ip());
  return 'wrong';
}
