// The first content leaves as soon as the gateway has it. An upstream that delivers a whole answer at once
// (a fast model, a cached answer) puts every event in the gateway's hands in one read; the client must still
// get the first content in a write of its own, not after the gateway framed the whole answer behind it.
// The gateway runs as its own process, so this test's reads see its writes as they leave.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatChunks, upstreamPool } from '../helpers/fake-upstream.ts';
import { TEST_KEY, config, tempDir } from '../helpers/gateway.ts';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process.ts';

const words = Array.from({ length: 3000 }, (_, i) => `w${i} `);
const pool = upstreamPool(afterAll);
// The whole answer in one piece of the body.
const up = pool(() => new Response(chatChunks(words).join(''), { headers: { 'content-type': 'text/event-stream' } }));
let gw: GatewayProcess;
beforeAll(async () => {
  const dir = tempDir();
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, config(`providers:\n  u: { adapter: openai, base_url: ${up.url}, models: [m] }`, `storage:\n  url: file:${join(dir, 'ledger.db')}`));
  gw = await spawnGateway(path);
}, 30_000);
afterAll(async () => {
  await gw.stop();
});

/** The content of each whole frame (a read may end inside one). */
const contents = (text: string) => text.split('\n\n').slice(0, -1).filter((f) => f.startsWith('data: {')).map((f) => (JSON.parse(f.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content);

test('an answer that arrives in one piece: the first read holds the first content alone, the rest follows whole', async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const first = decoder.decode((await reader.read()).value, { stream: true });
  // The held-back role-only opener and the first word, nothing after them.
  expect(contents(first).filter(Boolean)).toEqual(['w0 ']);
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
  }
  expect(contents(first + rest).filter(Boolean)).toEqual(words);
  expect(rest.trimEnd().endsWith('data: [DONE]')).toBe(true);
});
