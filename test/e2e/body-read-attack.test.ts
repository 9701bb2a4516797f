// Attacks on reading a JSON body (read as bytes and decoded as strict UTF-8): limits at the boundary,
// before reading and for chunked bodies, a BOM dropped and invalid UTF-8 refused, the depth check agreeing
// with the byte scanner it replaced, and uploads that stall or break off.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chatCompletion, json, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, type TestGateway, config, startTestGateway } from '../helpers/gateway.ts';

const LIMIT = 4096;
const pool = upstreamPool(afterAll);
const up = pool(() => json(chatCompletion('ok')));
let gw: TestGateway;
let port: number;
const rows: Array<{ status: number; costMicros: number }> = [];

beforeAll(async () => {
  gw = await startTestGateway(config(`providers:\n  u: { adapter: openai, base_url: ${up.url}, models: [m] }\nmodels:\n  m: { price: { input: 1000, output: 1000 } }`, `server:\n  max_body_bytes: ${LIMIT}\n  body_timeout_ms: 400\n`));
  port = Number(new URL(gw.url).port);
  const inner = gw.runtime.ledger;
  gw.runtime.ledger = { ...inner, record: (row, attempts) => { rows.push(row); inner.record(row, attempts); } };
});
afterAll(async () => {
  await gw.stop();
});

/** Sends raw bytes on a fresh connection; resolves with the status line's code and the body, or 0 when the gateway answered nothing. */
function send(head: string, body: Uint8Array | string, opts: { closeAfterMs?: number } = {}): Promise<{ status: number; body: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const parts: string[] = [];
    Bun.connect({
      hostname: '127.0.0.1', port,
      socket: {
        open(s) {
          s.write(`${head}\r\n\r\n`);
          s.write(body);
          if (opts.closeAfterMs !== undefined) setTimeout(() => s.end(), opts.closeAfterMs);
        },
        data(_s, d) { parts.push(new TextDecoder().decode(d)); },
        close() {
          const text = parts.join('');
          const split = text.indexOf('\r\n\r\n');
          resolve({ status: Number(text.slice(9, 12)) || 0, body: split >= 0 ? text.slice(split + 4) : '', ms: Date.now() - t0 });
        },
        error(_s, e) { reject(e); },
      },
    }).catch(reject);
  });
}

const head = (extra: string[]) => ['POST /v1/chat/completions HTTP/1.1', 'host: 127.0.0.1', 'connection: close', 'content-type: application/json', `authorization: Bearer ${TEST_KEY}`, ...extra].join('\r\n');
const withLength = (body: Uint8Array | string) => send(head([`content-length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength}`]), body);
const codeOf = (body: string) => {
  const start = body.indexOf('{');
  return start < 0 ? undefined : ((JSON.parse(body.slice(start, body.lastIndexOf('}') + 1)) as { error?: { code?: string } }).error?.code ?? 'ok');
};
const chatOf = (extra = '') => `{"model":"m","messages":[{"role":"user","content":"hi"}]${extra}}`;

test('a body of exactly max_body_bytes is read; one byte more is 413 before anything is read', async () => {
  const base = chatOf(',"user":""');
  const exact = base.replace('"user":""', `"user":"${'x'.repeat(LIMIT - Buffer.byteLength(base))}"`);
  expect(Buffer.byteLength(exact)).toBe(LIMIT);
  expect((await withLength(exact)).status).toBe(200);
  const over = exact.replace('"user":"', '"user":"x');
  const r = await withLength(over);
  expect(r.status).toBe(413);
  // A declared length over the limit is refused without waiting for the body (none is sent).
  const early = await send(head(['content-length: 100000']), '');
  expect(early.status).toBe(413);
  expect(early.ms).toBeLessThan(300);
});

test('a chunked body over the limit is 413; under it, it is served', async () => {
  const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
  const big = chatOf(`,"user":"${'y'.repeat(LIMIT)}"`);
  const over = await send(head(['transfer-encoding: chunked']), chunk(big.slice(0, 2000)) + chunk(big.slice(2000)) + '0\r\n\r\n');
  expect(over.status).toBe(413);
  const ok = await send(head(['transfer-encoding: chunked']), chunk(chatOf().slice(0, 10)) + chunk(chatOf().slice(10)) + '0\r\n\r\n');
  expect(ok.status).toBe(200);
});

test('a UTF-8 BOM is dropped; invalid UTF-8 inside a string is a 400 invalid_json, not replaced and forwarded', async () => {
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(chatOf())]);
  expect((await withLength(bom)).status).toBe(200);
  const text = new TextEncoder().encode(chatOf(',"user":"__"'));
  const at = text.indexOf(0x5f);
  text[at] = 0xff;
  text[at + 1] = 0xc3;
  const before = up.received.length;
  const r = await withLength(text);
  expect(r.status).toBe(400);
  expect(codeOf(r.body)).toBe('invalid_json');
  expect(r.body).toContain('not valid UTF-8');
  expect(up.received.length).toBe(before);
});

test('Content-Length: 0 is a 400 invalid_json', async () => {
  const r = await withLength('');
  expect(r.status).toBe(400);
  expect(codeOf(r.body)).toBe('invalid_json');
});

test('the depth check refuses 257 levels and serves 256, with multi-byte text and escaped quotes around the brackets', async () => {
  const seen: boolean[] = [];
  for (const levels of [254, 255, 256]) {
    // Strings with braces, escaped quotes, escaped backslashes before a quote and multi-byte characters.
    const noise = '"caf\u00e9 {[\\"]} \\\\", "\u{1F600}[[[", "\\\\\\"{"';
    const body = chatOf(`,"metadata_x":${'['.repeat(levels)}${noise}${']'.repeat(levels)}`);
    const bytes = new TextEncoder().encode(body);
    const r = await withLength(bytes);
    const deep = levels + 1 > 256; // the object itself is one level
    expect({ levels, deep, code: codeOf(r.body) === 'invalid_json' }).toEqual({ levels, deep, code: deep });
    seen.push(deep);
  }
  expect(seen).toEqual([false, false, true]); // the object itself is one level: 255 arrays inside it make 256
});

test('a body that stops short of its Content-Length is a 408 at body_timeout_ms', async () => {
  const r = await send(head(['content-length: 1000']), chatOf().slice(0, 20));
  expect(r.status).toBe(408);
  expect(codeOf(r.body)).toBe('request_timeout');
  expect(r.ms).toBeGreaterThanOrEqual(350);
  expect(r.ms).toBeLessThan(3000);
});

test('a client that breaks off its upload mid-body: nothing reaches the provider, nothing is billed', async () => {
  const calls = up.received.length;
  const rowsBefore = rows.length;
  const r = await send(head(['content-length: 1000']), chatOf().slice(0, 20), { closeAfterMs: 50 });
  expect(r.status).toBe(0);
  await Bun.sleep(200);
  expect(up.received.length).toBe(calls);
  for (let i = 0; i < 50 && rows.length === rowsBefore; i++) await Bun.sleep(20);
  expect(rows.slice(rowsBefore).map((row) => ({ status: row.status, cost: row.costMicros }))).toEqual([{ status: 499, cost: 0 }]);
});
