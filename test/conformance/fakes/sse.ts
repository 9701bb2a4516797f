// SSE serving for the fakes, and the re-chunking tools of the fuzz test: a seeded PRNG, CRLF
// variants, and cut points chosen to land where SSE decoders break (inside `data:`, inside JSON,
// between `\r` and `\n`, inside a multibyte UTF-8 sequence). Pieces are written with a macrotask gap
// between them so each one reaches the gateway as a separate socket read.

const encoder = new TextEncoder();

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every LF line ending becomes CRLF (Gemini's alt=sse streams use CRLF). */
export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function indexesOf(bytes: Uint8Array, pattern: number[]): number[] {
  const out: number[] = [];
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    out.push(i);
  }
  return out;
}

/** Offsets worth cutting at, by kind. */
export function interestingOffsets(bytes: Uint8Array): Record<'data' | 'json' | 'crlf' | 'utf8', number[]> {
  const data = indexesOf(bytes, [...encoder.encode('data:')]).flatMap((i) => [i + 1, i + 2, i + 3, i + 4, i + 5]);
  const json = indexesOf(bytes, [0x7b]).map((i) => i + 1) // just inside `{`
    .concat(indexesOf(bytes, [0x22]).map((i) => i + 1)); // just inside a string
  const crlf = indexesOf(bytes, [0x0d, 0x0a]).map((i) => i + 1);
  const utf8: number[] = [];
  bytes.forEach((b, i) => {
    if ((b & 0xc0) === 0x80) utf8.push(i); // a continuation byte: cutting here splits a character
  });
  return { data, json, crlf, utf8 };
}

/** Sorted unique cut offsets for one seed: random ones plus at least one of each interesting kind. */
export function cutPoints(bytes: Uint8Array, seed: number): number[] {
  const rand = prng(seed);
  const cuts = new Set<number>();
  const pick = (list: number[]) => {
    if (list.length > 0) cuts.add(list[Math.floor(rand() * list.length)]);
  };
  const random = 2 + Math.floor(rand() * 18);
  for (let i = 0; i < random; i++) cuts.add(1 + Math.floor(rand() * (bytes.length - 1)));
  const kinds = interestingOffsets(bytes);
  for (const list of Object.values(kinds)) {
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) pick(list);
  }
  // Seed 1 also cuts at every single byte of the first event, the worst case for a framer.
  if (seed === 1) for (let i = 1; i < Math.min(bytes.length, 120); i++) cuts.add(i);
  return [...cuts].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
}

export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces.filter((p) => p.length > 0);
}

/** An SSE response writing `pieces` one by one (a macrotask apart so they are not coalesced). */
export function sseResponse(pieces: Uint8Array[]): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (i >= pieces.length) return controller.close();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(pieces[i++]);
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

/** An SSE response for a whole text, one piece per event (the normal, un-fuzzed case). */
export function chunkedSse(text: string): Response {
  const events = text.split(/(?<=\r?\n\r?\n)/);
  return sseResponse(events.map((e) => encoder.encode(e)));
}
