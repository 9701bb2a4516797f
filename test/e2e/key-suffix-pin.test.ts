// One API's channel pinning by key suffix: `Authorization: Bearer <key>-<provider>` pins a request to one
// provider for keys with can_pin, on every surface (OpenAI, Anthropic x-api-key, Gemini x-goog-api-key and
// ?key=). The whole presented string is looked up first (keys may contain '-'); only when it is no key is it
// split at the last '-'. A prefix key without can_pin, or a suffix that is no provider the key may use, gets
// the usual 401 with a message saying so, naming neither the key nor the suffix.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { type TestGateway, startTestGateway } from '../helpers/gateway.ts';
import { type FakeUpstream, chatCompletion, json, startFakeUpstream } from '../helpers/fake-upstream.ts';

const PIN = 'sk-pin-aaaa-0123456789';
const PLAIN = 'sk-plain-0123456789';
const GROUPED = 'sk-grouped-0123456789';
const LITERAL = 'sk-literal-0123456789-beta'; // a key that merely ends like a pin, without can_pin
let gw: TestGateway;
let alpha: FakeUpstream;
let beta: FakeUpstream;

beforeAll(async () => {
  alpha = startFakeUpstream(() => json(chatCompletion('from alpha')));
  beta = startFakeUpstream(() => json(chatCompletion('from beta')));
  gw = await startTestGateway(`version: 1
providers:
  alpha: { adapter: openai, base_url: ${alpha.url}/v1, api_key: sk-up-a-000000, models: [m], priority: 0 }
  beta: { adapter: openai, base_url: ${beta.url}/v1, api_key: sk-up-b-000000, models: [m], priority: 1 }
groups:
  partners: { providers: [alpha] }
keys:
  - { name: pinner, key: ${PIN}, can_pin: true }
  - { name: plainkey, key: ${PLAIN} }
  - { name: groupedkey, key: ${GROUPED}, group: partners, can_pin: true }
  - { name: literal, key: ${LITERAL} }
`);
});
afterAll(async () => {
  await gw.stop();
  alpha.stop();
  beta.stop();
});

const chat = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
const error = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);

test('OpenAI surface: <key>-<provider> pins the request; the key alone is routed as usual', async () => {
  for (let i = 0; i < 3; i++) {
    const pinned = await chat(`${PIN}-beta`);
    expect(pinned.data.choices[0].message.content).toBe('from beta');
    expect(pinned.response.headers.get('x-switchyard-provider')).toBe('beta');
  }
  expect((await chat(`${PIN}-alpha`)).data.choices[0].message.content).toBe('from alpha');
  expect((await chat(PIN)).data.choices[0].message.content).toBe('from alpha'); // priority 0
  // The whole presented string is looked up first: a key that ends in "-beta" is that key, not a pin.
  expect((await chat(LITERAL)).data.choices[0].message.content).toBe('from alpha');
});

test('Anthropic (x-api-key) and Gemini (x-goog-api-key, ?key=) take the suffix too', async () => {
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: `${PIN}-beta`, maxRetries: 0 });
  const msg = await anthropic.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  expect(msg.content[0]).toMatchObject({ type: 'text', text: 'from beta' });

  const ai = new GoogleGenAI({ apiKey: `${PIN}-beta`, httpOptions: { baseUrl: gw.url } });
  expect((await ai.models.generateContent({ model: 'm', contents: 'hi' })).text).toBe('from beta');
  const query = await fetch(`${gw.url}/v1beta/models/m:generateContent?key=${encodeURIComponent(`${PIN}-beta`)}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
  expect(query.status).toBe(200);
  expect(query.headers.get('x-switchyard-provider')).toBe('beta');
});

test('refusals: 401 invalid_api_key, saying what is wrong without naming the key or echoing the suffix', async () => {
  const noPin = await error(chat(`${PLAIN}-beta`));
  expect(noPin.status).toBe(401);
  expect(noPin.code).toBe('invalid_api_key');
  expect(noPin.message).toContain('may not pin a provider');
  expect(noPin.message).toContain('can_pin');
  expect(noPin.message).not.toContain('plainkey');

  const noProvider = await error(chat(`${PIN}-nosuchprovider`));
  expect(noProvider.status).toBe(401);
  expect(noProvider.message).toContain('not the name of a provider this key may use');
  expect(noProvider.message).not.toContain('nosuchprovider');
  expect(noProvider.message).not.toContain('pinner');

  // A provider outside the key's group is not one it may use.
  const outside = await error(chat(`${GROUPED}-beta`));
  expect(outside.status).toBe(401);
  expect(outside.message).toContain('not the name of a provider this key may use');
  expect((await chat(`${GROUPED}-alpha`)).data.choices[0].message.content).toBe('from alpha');

  // A prefix that is no key: exactly today's 401, nothing about pinning.
  for (const bad of ['sk-unknown-0123456789-beta', 'nodash', `${PIN}-`, `-beta`]) {
    const e = await error(chat(bad));
    expect(e.status).toBe(401);
    expect((e.error as { message: string }).message).toBe('The API key is not valid for this Switchyard gateway. Use a key issued by this gateway\'s operator (a provider key such as an OpenAI key will not work here).');
  }
});
