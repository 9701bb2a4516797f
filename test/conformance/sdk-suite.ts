// One conformance gateway for a test file, with the SDK clients every suite uses (Claude, OpenAI, Google GenAI),
// and the rule that every request a strict fake rejected must have been announced by the test (`expect(n)`):
// an unannounced rejection means the gateway sent something the vendor would refuse.

import { afterAll, afterEach, beforeAll, expect } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { TEST_KEY } from '../helpers/gateway.ts';
import { type Conformance, startConformance } from './harness.ts';

export interface SdkSuite {
  h: Conformance;
  claude: Anthropic;
  openai: OpenAI;
  genai: GoogleGenAI;
}

/** Registers the suite's hooks; `ready` gets the started suite. Returns how a test announces rejections. */
export function sdkSuite(ready: (suite: SdkSuite) => void): { expect(n: number): void } {
  let h: Conformance | undefined;
  let expected = 0;
  beforeAll(async () => {
    h = await startConformance();
    ready({
      h,
      claude: new Anthropic({ apiKey: TEST_KEY, baseURL: h.gw.url, maxRetries: 0 }),
      openai: new OpenAI({ apiKey: TEST_KEY, baseURL: `${h.gw.url}/v1`, maxRetries: 0 }),
      genai: new GoogleGenAI({ apiKey: TEST_KEY, httpOptions: { baseUrl: h.gw.url } }),
    });
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => {
    const rejected = Object.values(h!.fakes).flatMap((f) => [...f.rejections]);
    h!.reset();
    expect(rejected.slice(expected)).toEqual([]);
    expect(rejected.length).toBe(expected);
    expected = 0;
  });
  return { expect: (n) => { expected = n; } };
}
