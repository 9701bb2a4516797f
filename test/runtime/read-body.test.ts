// readOperationBody on requests built in process (what a route plugin may hand back): a declared length of 0
// is not trusted over a body the request carries, a bodiless request reads as empty, and a JSON body with a
// declared length is read and parsed.

import { expect, test } from 'bun:test';
import { readOperationBody } from '../../src/http/read-body.ts';
import { GatewayError } from '../../src/contracts/errors.ts';

const url = 'http://gateway.test/v1/chat/completions';

test('a body under a copied "content-length: 0" is still read (JSON and passthrough)', async () => {
  const headers = new Headers({ 'content-type': 'application/json', 'content-length': '0' });
  const json = new Request(url, { method: 'POST', headers, body: '{"model":"m","messages":[]}' });
  expect((await readOperationBody(json, 'chat', 1 << 20)).body).toEqual({ model: 'm', messages: [] });
  const raw = new Request(url, { method: 'POST', headers: new Headers({ 'content-type': 'text/plain', 'content-length': '0' }), body: 'abc' });
  const passed = await readOperationBody(raw, 'passthrough', 1 << 20);
  expect(new TextDecoder().decode(passed.raw)).toBe('abc');
});

test('a bodiless request reads as empty: a JSON operation refuses it as invalid JSON, passthrough forwards nothing', async () => {
  const empty = () => new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '0' } });
  const err = await readOperationBody(empty(), 'chat', 1 << 20).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).status).toBe(400);
  const passed = await readOperationBody(new Request(url, { method: 'POST' }), 'passthrough', 1 << 20);
  expect(passed.raw?.byteLength ?? 0).toBe(0);
});

test('a declared length over the limit is refused before reading (413)', async () => {
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(200) }] });
  const req = new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body });
  const err = await readOperationBody(req, 'chat', 100).catch((e: unknown) => e);
  expect((err as GatewayError).status).toBe(413);
});
