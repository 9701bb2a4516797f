// stripUpstreamDetails: what an upstream's message may disclose about its internals (URLs, stack frames,
// absolute file paths, host:port) is removed; ordinary text that looks a little alike (times, model names
// with versions, API paths) is kept.

import { expect, test } from 'bun:test';
import { redact, stripUpstreamDetails } from '../../src/upstream/redact.ts';

test('stack frames, file paths, URLs and host:port go', () => {
  const out = stripUpstreamDetails('boom at /srv/app/run.py; see http://10.0.0.5:9000/x\n    at handler (/srv/x.js:1:1)\n    at run (node:internal/x:3:4)\n    at new Foo (app.ts:3:9) from 10.0.0.7:8080, [::1]:80, api.internal.corp:443, localhost:11434, C:\\inetpub\\app.dll');
  for (const leak of ['/srv/', 'x.js', 'node:internal', 'app.ts', '10.0.0', '[::1]', 'api.internal', 'localhost', 'inetpub']) expect(out).not.toContain(leak);
  expect(out).toContain('<stack trace>');
  expect(out).toContain('<upstream-host>');
});

test("the operator's account ids go (OpenAI's 429 names the organization)", () => {
  const out = stripUpstreamDetails('Rate limit reached for gpt-4o in organization org-AbCdEf0123456789 on tokens per min; project proj_Zy9876543210abc.');
  expect(out).toBe('Rate limit reached for gpt-4o in organization <account> on tokens per min; project <account>.');
});

test('times, versioned model names and API paths stay', () => {
  for (const text of [
    'Rate limit resets at 2024-01-01T10:00:00Z, retry at 10:30:00 UTC.',
    'The model gpt-4.1 (or qwen2.5:7b, llama3.1:8b) does not support tools.',
    'max_tokens is too large: 100000. This model supports at most 4096 completion tokens.',
    'Unknown path /v1/models/gemini-1.5-pro.',
  ]) expect(stripUpstreamDetails(text)).toBe(text);
});

test('redact: a password in user:password@host without a scheme is masked too (a vendor echoing a connection string)', () => {
  expect(redact('db at admin:hunter2@db.internal:5432 failed', [])).toBe('db at admin:***@db.internal:5432 failed');
  expect(redact('https://u:p@h/x', [])).toBe('https://u:***@h/x');
  expect(redact('at 10:30 ok, mail a@b.c', [])).toBe('at 10:30 ok, mail a@b.c');
});
