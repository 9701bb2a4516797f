// The surface registry (src/protocols/index.ts): a route's protocol picks its surface, OpenAI routes
// hand the paths a surface claims to it, and `routes[].protocol` accepts exactly the protocols this
// build serves (a schema value without a registered surface is a config error naming the choices).

import { expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../src/config/load.ts';
import { PROTOCOLS, surfaceFor } from '../../src/protocols/index.ts';

const schema = JSON.parse(readFileSync(join(import.meta.dir, '../../schema/gateway.schema.json'), 'utf8'));
const schemaProtocols: string[] = schema.properties.routes.items.properties.protocol.enum;

test('a route protocol selects its own surface for any path', () => {
  for (const protocol of PROTOCOLS.filter((p) => p !== 'openai')) {
    expect(surfaceFor(protocol, 'GET', '/anything')?.protocol).toBe(protocol);
  }
});

test('OpenAI routes hand claimed paths to their surface and keep the rest', () => {
  expect(surfaceFor('openai', 'POST', '/v1/messages')?.protocol).toBe('anthropic');
  expect(surfaceFor('openai', 'POST', '/messages/count_tokens')?.protocol).toBe('anthropic');
  expect(surfaceFor('openai', 'POST', '/v1/responses')?.protocol).toBe('responses');
  expect(surfaceFor('openai', 'GET', '/responses/resp_1/input_items')?.protocol).toBe('responses');
  expect(surfaceFor('openai', 'DELETE', '/v1/responses/resp_1')?.protocol).toBe('responses');
  expect(surfaceFor('openai', 'GET', '/v1/responses')).toBeUndefined();
  expect(surfaceFor('openai', 'POST', '/v1/chat/completions')).toBeUndefined();
  expect(surfaceFor('openai', 'GET', '/v1/models')).toBeUndefined();
});

test('every served protocol is in the schema; schema values without a surface are refused by validate', async () => {
  for (const p of PROTOCOLS) expect(schemaProtocols).toContain(p);
  const yaml = (protocol: string) => `version: 1\nproviders:\n  m: { adapter: mock, models: [x] }\nroutes:\n  - { path: /p, protocol: ${protocol} }\n`;
  for (const p of schemaProtocols) {
    const loaded = await loadConfigText('gateway.yaml', yaml(p), {});
    if (PROTOCOLS.includes(p)) expect(loaded.problems).toEqual([]);
    else expect(loaded.problems.map((x) => x.message).join()).toContain(`protocol "${p}" is not served by this build`);
  }
});
