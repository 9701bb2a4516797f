// The depth scan on decoded text must refuse exactly what the byte scan refuses: strings with brackets,
// escaped quotes and backslashes, multi-byte characters, unterminated strings, depth at and over the limit.

import { describe, expect, test } from 'bun:test';
import { jsonTextTooDeep, jsonTooDeep } from '../../src/http/json-depth.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('jsonTextTooDeep', () => {
  const cases: Array<[string, string]> = [
    ['flat object', '{"model":"m","messages":[{"role":"user","content":"hi"}]}'],
    ['at the limit', '['.repeat(8) + ']'.repeat(8)],
    ['over the limit', '['.repeat(9) + ']'.repeat(9)],
    ['brackets inside strings', '{"a":"[[[[[[[[[[[[{{{{{{{{{"}'],
    ['escaped quote then brackets', '{"a":"x\\"[[[[[[[[[[[["}'],
    ['escaped backslash before quote', '{"a":"x\\\\"' + ',"b":' + '['.repeat(9) + ']'.repeat(9) + '}'],
    ['multi-byte text', '{"a":"日本語 😀 [[[[[[[[[[","b":[[[[[[[[[]]]]]]]]]}'],
    ['unterminated string', '{"a":"[[[[[[[[[[[[[[['],
    ['closing before opening', ']]]]' + '['.repeat(9)],
  ];
  for (const [name, text] of cases) {
    test(name, () => {
      expect(jsonTextTooDeep(text, 8)).toBe(jsonTooDeep(bytes(text), 8));
    });
  }
  test('refuses what is too deep and accepts the limit itself', () => {
    expect(jsonTextTooDeep('['.repeat(9) + ']'.repeat(9), 8)).toBe(true);
    expect(jsonTextTooDeep('['.repeat(8) + ']'.repeat(8), 8)).toBe(false);
  });
});
