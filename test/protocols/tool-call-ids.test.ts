// The codec that carries provider data (Gemini thought signatures) inside tool-call ids: compact for a lone
// signature, JSON for anything else, idempotent, and tolerant of ids it did not make.

import { expect, test } from 'bun:test';
import { type JsonObject, carriesExtra, decodeToolCallId, encodeToolCallId } from '../../src/contracts/index.ts';

const sig = (s: string) => ({ google: { thoughtSignature: s } });

test('a lone base64 signature rides as its own characters (base64url), and comes back exactly', () => {
  const signature = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 91) % 256)).toString('base64');
  const id = encodeToolCallId('call_abc_0', sig(signature));
  expect(id.startsWith('call_abc_0__ts__')).toBe(true);
  expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(id.length).toBeLessThanOrEqual('call_abc_0__ts__'.length + signature.length);
  expect(decodeToolCallId(id)).toEqual({ id: 'call_abc_0', extra: sig(signature) });
  expect(carriesExtra(id)).toBe(true);
});

test('other extra_content (or a signature that is not canonical base64) rides as JSON', () => {
  const extras: JsonObject[] = [sig('not base64!'), sig('abc'), { google: { thoughtSignature: 'QUJD', other: 1 } }, { vendor: { x: [1, 2] } }];
  for (const extra of extras) {
    const id = encodeToolCallId('toolu_1', extra);
    expect(id).toContain('__xc__');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeToolCallId(id)).toEqual({ id: 'toolu_1', extra });
  }
});

test('nothing to carry, already carried, and ids that are not ours', () => {
  expect(encodeToolCallId('call_1', undefined)).toBe('call_1');
  expect(encodeToolCallId('call_1', {})).toBe('call_1');
  const once = encodeToolCallId('call_1', sig('QUJD'));
  expect(encodeToolCallId(once, sig('QUJD'))).toBe(once);
  expect(decodeToolCallId('call_1')).toEqual({ id: 'call_1' });
  expect(decodeToolCallId('functions.get_weather:0')).toEqual({ id: 'functions.get_weather:0' });
  expect(decodeToolCallId('x__xc__!!!')).toEqual({ id: 'x__xc__!!!' });
  expect(decodeToolCallId('x__ts__A')).toEqual({ id: 'x__ts__A' }); // one base64 char cannot be bytes
  expect(decodeToolCallId('__ts__QUJD')).toEqual({ id: '__ts__QUJD' }); // no canonical id before it
  // A payload that itself contains the separator splits at the first one.
  const tricky = encodeToolCallId('call_2', sig('//ts//AA'));
  expect(decodeToolCallId(tricky)).toEqual({ id: 'call_2', extra: sig('//ts//AA') });
});
