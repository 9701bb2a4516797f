// Dashboard login sessions: random ids (256 bits) held server side with a fixed lifetime, each bound to
// the admin token it was opened with, so changing server.admin_token (a reload) ends every session.
// One instance per app (created with it); nothing is global and nothing survives a restart.

import { createHash, randomBytes } from 'node:crypto';

export const SESSION_TTL_MS = 12 * 60 * 60_000;
const MAX_SESSIONS = 1_000;

interface Session {
  expiresAt: number;
  tokenDigest: string;
}

const digestOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export class DashboardSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  /** Opens a session for a caller that presented `adminToken`; returns its id. */
  open(adminToken: string, now = Date.now()): string {
    this.prune(now);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { expiresAt: now + this.ttlMs, tokenDigest: digestOf(adminToken) });
    return id;
  }

  /** Is `id` a live session opened with the current admin token? */
  valid(id: string | undefined, adminToken: string | undefined, now = Date.now()): boolean {
    if (!id || !adminToken) return false;
    const s = this.sessions.get(id);
    if (!s) return false;
    if (s.expiresAt <= now || s.tokenDigest !== digestOf(adminToken)) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
