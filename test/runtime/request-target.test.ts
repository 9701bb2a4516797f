// requestTarget reads path and query without a URL parse only when URL parsing would leave them as written:
// for every other URL (dot segments, escapes, fragments, odd query bytes) it must agree with `new URL`.

import { describe, expect, test } from 'bun:test';
import { requestTarget, requestUrl } from '../../src/http/request-url.ts';

const raw = (url: string) => ({ url, headers: new Headers() }) as unknown as Request;

describe('requestTarget', () => {
  const urls = [
    'http://gw/v1/chat/completions', 'http://gw:3000/v1/models?x=1&y=%20', 'http://gw/v1/../v1/files', 'http://gw/v1/./files',
    'http://gw/v1/files?', 'http://gw/v1/files?a b', 'http://gw/v1/files#frag', 'http://gw/v1/files?q=1#h', 'http://gw/', 'http://gw',
    'http://gw/v1/%2e%2e/admin', 'http://gw/v1/files/..%2Fadmin', 'http://gw/v1\\files', 'http://gw//v1//files', 'http://gw/v1/fi%6Ces',
    'http://gw/v1/files?q="x"', 'http://gw/V1/Files_-x', '/v1/models', '/v1/../admin',
  ];
  for (const url of urls) {
    test(url, () => {
      const fast = requestTarget(raw(url));
      const parsed = requestUrl(raw(url));
      expect({ pathname: fast.pathname, search: fast.search }).toEqual({ pathname: parsed.pathname, search: parsed.search });
    });
  }
});
