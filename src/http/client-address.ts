// The client's address, for keys' allow_ips, the failed-token limit and logs. Without server.trust_proxy it
// is the TCP peer. Behind a reverse proxy (`trust_proxy`), the forwarded header tells it, but only a header
// our own proxy wrote can be believed:
// - `trust_proxy: [CIDRs]` (recommended): the header is read only when the TCP peer is one of these proxies,
//   and X-Forwarded-For is walked from the right past every trusted proxy: the first address that is not one
//   is the client (entries further left were written by the client and are never believed);
// - `trust_proxy: true`: every peer is a proxy (only when nothing but the proxy can reach the gateway); the
//   rightmost X-Forwarded-For entry, the one the proxy appended, is the client;
// - `server.client_ip_header` names the one header the proxy sets (x-real-ip, cf-connecting-ip, ...): a proxy
//   that sets only X-Real-IP passes a client's own X-Forwarded-For through untouched, so without naming it
//   the gateway would believe the client. Unnamed, X-Forwarded-For is read, then X-Real-IP.

import { ipAllowed } from '../pipeline/ip-match.ts';

/** Compiled server.trust_proxy and server.client_ip_header. */
export interface ClientAddressRule {
  /** true: every peer is a trusted proxy; a list: only these CIDRs; false: forwarded headers are ignored. */
  readonly trust: boolean | readonly string[];
  /** Lower-case header name, or undefined for X-Forwarded-For then X-Real-IP. */
  readonly header?: string;
}

export function compileClientAddress(trust: boolean | string[] | undefined, header: string | undefined): ClientAddressRule {
  return Object.freeze({ trust: Array.isArray(trust) ? Object.freeze([...trust]) : trust ?? false, header: header?.toLowerCase() });
}

/** Is `peer` a proxy whose forwarded headers are believed (trust_proxy: true, or a listed address)? */
export function fromTrustedProxy(rule: ClientAddressRule, peer: string): boolean {
  return rule.trust === true || (rule.trust !== false && ipAllowed(peer, rule.trust));
}

/** The client's address for `peer` (the TCP peer's) and the request's headers under `rule`. */
export function clientAddress(rule: ClientAddressRule, headers: Headers, peer: string): string {
  if (!fromTrustedProxy(rule, peer)) return peer;
  const list = rule.trust === true ? undefined : (rule.trust as readonly string[]);
  // The last value: a proxy that appends a second header line instead of replacing the client's (Bun joins
  // them as "client, proxy") still wins.
  if (rule.header && rule.header !== 'x-forwarded-for') return headers.get(rule.header)?.split(',').at(-1)?.trim() || peer;
  const forwarded = headers.get('x-forwarded-for');
  if (forwarded) {
    const hops = forwarded.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i].trim();
      if (!hop) continue;
      if (!list || i === 0 || !ipAllowed(hop, list)) return hop;
    }
  }
  if (rule.header) return peer;
  return headers.get('x-real-ip')?.trim() || peer;
}
