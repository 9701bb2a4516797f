// W3C Trace Context `traceparent` (version 00): `00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`.
// A client's header is only ever used as the parent of the request's span (trace id + parent span id);
// it decides nothing else (not sampling, not identity). Anything malformed is ignored.

export interface TraceParent {
  traceId: string;
  spanId: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The parent context of a `traceparent` header value, or undefined when absent or invalid. */
export function parseTraceParent(header: string | null | undefined): TraceParent | undefined {
  if (!header || header.length > 512) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, , rest] = m;
  // Version ff is invalid; version 00 has exactly four fields; later versions may append fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId };
}
