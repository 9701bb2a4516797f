// Nesting depth of a JSON text, checked before it is parsed. A body nested 100 000 levels deep is 200 KB,
// parses fine, and then overflows the stack of every recursive step after it (serialising it upstream
// costs a second of CPU and ends in a 500). One linear pass over the text refuses it first.

/** Deepest nesting a request body may have (JSON Schemas in tools and response_format stay far below). */
export const MAX_JSON_DEPTH = 256;

/**
 * Deepest nesting an upstream's answer or stream event may have. Deeper, it is unreadable: re-serialising it
 * (renaming the model with expose_upstream: false) would overflow the stack. Texts no longer than this cannot
 * be deeper and are not scanned (a small answer costs no pass).
 */
export const UPSTREAM_MAX_DEPTH = 512;

/** Is an upstream's JSON text nested deeper than UPSTREAM_MAX_DEPTH? */
export function upstreamTooDeep(text: string): boolean {
  return text.length > UPSTREAM_MAX_DEPTH && jsonTooDeep(text, UPSTREAM_MAX_DEPTH);
}

/** Does the JSON text open more than `max` arrays/objects inside one another? */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i);
      if (i < 0) return false; // unterminated: JSON.parse reports it
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Index of the quote closing the string that opens at `open` (native search; most characters are text). */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}
