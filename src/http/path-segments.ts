// Dot segments and encoded separators in a request path, judged through up to three layers of
// percent-encoding (%2e, %252e, %25252e). One module for both checks: every request is refused when its
// path has a "." or ".." segment (before any routing: API, admin, dashboard, metrics), and a passthrough path
// also when it has an encoded "/" or a "\" an upstream could read as a separator.
// Bun resolves plain and %2e-spelled dot segments (and "\") in request.url before a handler runs, and does not
// expose the raw request target; what is left for this check is the spelling Bun does not resolve
// (%252e%252e, ..%2f, ...). See README "Paths".

import { GatewayError } from '../contracts/errors.ts';

/** Layers of percent-encoding a path is decoded through before it is judged. */
const LAYERS = 3;
const ENCODED_SEPARATOR = /%(2f|5c)/i;
const ENCODED_DOT = /%2e/i;
const ASCII_ESCAPE = /%([0-7][0-9a-f])/gi;

/**
 * Does the path have a "." or ".." segment, plain or percent-encoded in up to three layers ("/" or "\"
 * between segments, also encoded)? Cheap for an ordinary path: without a '%' it is one scan of its dots.
 */
export function hasDotSegment(path: string): boolean {
  if (path.indexOf('%') < 0) return path.indexOf('.') >= 0 && plainDotSegment(path);
  return unsafeInSomeLayer(path, false);
}

/**
 * Could an upstream that decodes or normalises paths read this passthrough path as outside its prefix?
 * A dot segment, or an encoded "/" or "\" or any "\", in up to three layers of percent-encoding: with the
 * gateway's provider key attached, such a path could reach any upstream endpoint.
 */
export function leavesPrefix(path: string): boolean {
  return unsafeInSomeLayer(path, true);
}

function unsafeInSomeLayer(path: string, separators: boolean): boolean {
  let spelled = path;
  for (let layer = 0; layer <= LAYERS; layer++) {
    if ((separators && spelled.includes('\\')) || plainDotSegment(spelled)) return true;
    if (layer === LAYERS) break;
    if (separators && ENCODED_SEPARATOR.test(spelled)) return true;
    const decoded = decodeAsciiEscapes(spelled);
    if (decoded === spelled) return false;
    spelled = decoded;
  }
  // Still encoded after every layer: a passthrough path is refused, any other only if a dot is still hidden.
  return separators || ENCODED_DOT.test(spelled);
}

/**
 * One layer of percent-decoding, as a lenient decoder would do it: every escape of an ASCII character,
 * leaving a malformed "%" (as in "100%") and non-ASCII escapes as they are, so neither hides what follows.
 */
function decodeAsciiEscapes(spelled: string): string {
  return spelled.indexOf('%') < 0 ? spelled : spelled.replace(ASCII_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const isSeparator = (code: number) => code === 47 /* '/' */ || code === 92 /* '\\' */;

/** A "." or ".." segment spelled plainly, found by looking around each '.' (no split, no allocation). */
function plainDotSegment(path: string): boolean {
  for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', dot + 1)) {
    if (dot > 0 && !isSeparator(path.charCodeAt(dot - 1))) continue; // not the start of a segment
    let end = dot + 1;
    if (end < path.length && path.charCodeAt(end) === 46 /* '.' */) end++;
    if (end === path.length || isSeparator(path.charCodeAt(end))) return true;
  }
  return false;
}

/** 400 invalid_path for a request whose path has a dot segment (see hasDotSegment); else undefined. */
export function dotSegmentProblem(request: Request): GatewayError | undefined {
  const url = request.url; // absolute ("http://host/..."; a host is never empty), or "/..." without a usable Host
  const start = url.charCodeAt(0) === 47 /* '/' */ ? 0 : url.indexOf('/', 8); // past the host, whose dots do not count
  if (start < 0 || (url.indexOf('.', start) < 0 && url.indexOf('%', start) < 0)) return undefined;
  const query = url.indexOf('?', start);
  const path = query < 0 ? url.slice(start) : url.slice(start, query);
  if (!hasDotSegment(path)) return undefined;
  return new GatewayError({
    status: 400, type: 'invalid_request_error', code: 'invalid_path',
    message: `The path ${path.slice(0, 200)} has a "." or ".." segment (plain or percent-encoded, e.g. %2e or %252e). ` +
      'Send the path of the endpoint itself, with no dot segments (for example /v1/chat/completions).',
  });
}
