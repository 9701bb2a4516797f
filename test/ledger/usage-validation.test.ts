// Issue 8 point 23: usage reported by an upstream is validated. Non-numeric, non-finite, negative,
// fractional or absurd counts are treated as missing: the request is billed on a js-tiktoken estimate
// (usage_source = estimated) and a warning is logged; the ledger never gets a NaN or negative cost, the
// row is never dropped, and the key's budget keeps working. Real fake upstreams (OpenAI and Anthropic
// wire formats) on 127.0.0.1.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { upstreamPool } from '../helpers/fake-upstream.ts';
import { type Harness, KEY, harness, recordingLogger } from './harness.ts';

const upstream = upstreamPool(afterAll);
const log = recordingLogger();

// Raw JSON texts, so values JSON.stringify cannot write (1e400 → Infinity when parsed) reach the gateway.
const BAD_USAGE: Record<string, string> = {
  strings: '{"prompt_tokens":"12","completion_tokens":"many","total_tokens":"lots"}',
  negative: '{"prompt_tokens":-1000000,"completion_tokens":5,"total_tokens":-999995}',
  infinite: '{"prompt_tokens":1e400,"completion_tokens":1e400,"total_tokens":1e400,"prompt_tokens_details":{"cached_tokens":1e400}}',
  absurd: '{"prompt_tokens":1000000000000000,"completion_tokens":3,"total_tokens":1000000000000003}',
  fraction: '{"prompt_tokens":2.5,"completion_tokens":3,"total_tokens":5.5}',
  completion_string: '{"prompt_tokens":7,"completion_tokens":"3","total_tokens":10}',
};

let h: Harness;
beforeAll(async () => {
  const openaiUp = upstream((_req, body) => {
    const b = JSON.parse(body) as { stream?: boolean; messages: Array<{ content: string }> };
    const usage = BAD_USAGE[b.messages.at(-1)!.content] ?? '{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}';
    const base = '"id":"c","created":1700000000,"model":"up"';
    if (b.stream) {
      const frames = [
        `data: {${base},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"four words of text"},"finish_reason":null}]}\n\n`,
        `data: {${base},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`,
        `data: {${base},"object":"chat.completion.chunk","choices":[],"usage":${usage}}\n\n`,
        'data: [DONE]\n\n',
      ];
      return new Response(frames.join(''), { headers: { 'content-type': 'text/event-stream' } });
    }
    const text = `{${base},"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"four words of text"},"finish_reason":"stop"}],"usage":${usage}}`;
    return new Response(text, { headers: { 'content-type': 'application/json' } });
  });
  const anthropicUp = upstream(() => new Response(
    '{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"four words of text"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":-40,"output_tokens":"plenty"}}',
    { headers: { 'content-type': 'application/json' } },
  ));
  h = await harness(`version: 1
providers:
  up: { adapter: openai, base_url: ${openaiUp.url}, api_key: sk-up, models: [m] }
  claude: { adapter: anthropic, base_url: ${anthropicUp.url}, api_key: sk-ant-up, models: [c] }
models:
  m: { price: { input: 1000, output: 2000 } }
  c: { price: { input: 1000, output: 2000 } }
keys:
  - { name: alice, key: ${KEY}, budget: 100 }
`, undefined, log);
}, 30_000);
afterAll(async () => {
  await h.cleanup();
});

const client = () => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: KEY, maxRetries: 0 });

async function rowOf(id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const rows = await h.query('SELECT * FROM requests WHERE id = ?', [id]);
    if (rows.length) return rows[0];
    await Bun.sleep(20);
  }
  throw new Error(`no ledger row for ${id} (dropped?)`);
}

function expectEstimated(row: Record<string, unknown>): void {
  expect(row.status).toBe(200);
  expect(row.usage_source).toBe('estimated');
  const prompt = Number(row.prompt_tokens);
  const completion = Number(row.completion_tokens);
  expect(prompt).toBeGreaterThan(0);
  expect(prompt).toBeLessThan(100);
  expect(completion).toBeGreaterThan(0);
  expect(completion).toBeLessThan(100);
  expect(Number(row.cost_micros)).toBe(prompt * 1000 + completion * 2000);
}

describe('invalid upstream usage is billed on an estimate, with a warning', () => {
  for (const kind of Object.keys(BAD_USAGE)) {
    test(`${kind} usage, plain and streamed`, async () => {
      const warnings = log.lines.filter((l) => l.level === 'warn').length;
      const plain = await client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: kind }] }).withResponse();
      const id = plain.response.headers.get('x-request-id')!;
      const plainRow = await rowOf(id);
      expectEstimated(plainRow);
      expect(Number(plain.response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
      // The non-streamed body carries the usage billed too, as a stream's usage chunk does.
      const prompt = Number(plainRow.prompt_tokens);
      const completion = Number(plainRow.completion_tokens);
      expect(plain.data.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

      const streamed = await client().chat.completions.create({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: kind }] }).withResponse();
      let shown: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of streamed.data) if (chunk.usage) shown = chunk.usage;
      const row = await rowOf(streamed.response.headers.get('x-request-id')!);
      expectEstimated(row);
      // The client is shown the estimate the ledger used, not the upstream's nonsense.
      expect(shown).toMatchObject({ prompt_tokens: Number(row.prompt_tokens), completion_tokens: Number(row.completion_tokens) });

      const added = log.lines.filter((l) => l.level === 'warn').slice(warnings);
      expect(added.filter((l) => l.msg.includes('invalid usage') && l.provider === 'up').length).toBe(2);
      expect(added.some((l) => l.request_id === id)).toBe(true);
    });
  }

  test('valid usage reaches the client as the upstream wrote it', async () => {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'fine' }] }),
    });
    expect(await res.text()).toContain('"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}');
  });

  test('Anthropic upstream with a negative and a non-numeric count', async () => {
    const res = await client().chat.completions.create({ model: 'c', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expectEstimated(await rowOf(res.response.headers.get('x-request-id')!));
  });
});

test('the budget still works: spend is the finite sum of the rows, and the key is refused past its budget', async () => {
  const rows = await h.query("SELECT count(*) AS n, sum(cost_micros) AS c, min(cost_micros) AS lo FROM requests WHERE key_name = 'alice'");
  expect(Number(rows[0].n)).toBe(Object.keys(BAD_USAGE).length * 2 + 2);
  expect(Number(rows[0].lo)).toBeGreaterThan(0);
  const balance = (await (await fetch(`${h.url}/v1/balance`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { spent_usd: number; remaining_usd: number };
  expect(Math.round(balance.spent_usd * 1e6)).toBe(Number(rows[0].c));
  expect(Number.isFinite(balance.remaining_usd)).toBe(true);
  // A request that may cost more than what is left is refused: the budget is not disabled.
  const tooBig = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', max_tokens: 100_000, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(tooBig.status).toBe(429);
  expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
});
