// The depth scan counts only brackets outside strings: strings with brackets, escaped quotes and
// backslashes, and multi-byte characters do not move it; an unterminated string is left to JSON.parse.

import { describe, expect, test } from 'bun:test';
import { jsonTooDeep } from '../../src/http/json-depth.ts';

const nest = (n: number, inner = '') => '['.repeat(n) + inner + ']'.repeat(n);

describe('jsonTooDeep', () => {
  const cases: Array<[string, string, boolean]> = [
    ['flat object', '{"model":"m","messages":[{"role":"user","content":"hi"}]}', false],
    ['at the limit', nest(8), false],
    ['one over the limit', nest(9), true],
    ['brackets inside a string', '{"a":"[[[[[[[[[[[[{{{{{{{{{"}', false],
    ['an escaped quote keeps the string open', '{"a":"x\\"[[[[[[[[[[[["}', false],
    ['an escaped backslash closes the string', '{"a":"x\\\\","b":' + nest(9) + '}', true],
    ['multi-byte text around real nesting', '{"a":"日本語 😀 [[[[[[[[[[","b":' + nest(8) + '}', true],
    ['unterminated string', '{"a":"[[[[[[[[[[[[[[[', false],
    ['closing brackets first', ']]]]' + '['.repeat(9), false],
  ];
  for (const [name, text, deep] of cases) {
    test(name, () => {
      expect(jsonTooDeep(text, 8)).toBe(deep);
    });
  }
});
