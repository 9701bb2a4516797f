// The request log's JSON fast path, in process with a real logger writing to a capturing sink: each
// line is exactly the JSON of the generic fields (same keys, order and values) for every kind of row,
// secrets and key shapes in names are masked as on every line, lines leave in batches (one write per
// event-loop turn) and flush() writes what is pending; a worker's logger keeps its tag on fast lines.

import { expect, test } from 'bun:test';
import { workerLogger } from '../../src/cluster/worker.ts';
import { createLogger, type LogSink } from '../../src/log.ts';
import { logRequest, requestLogFields } from '../../src/observe/request-log.ts';
import type { AttemptRow, RequestRow } from '../../src/runtime/contracts.ts';

function capture(level: 'info' | 'warn' = 'info', format: 'json' | 'pretty' = 'json') {
  const out: string[] = [];
  const err: string[] = [];
  const sink: LogSink = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { log: createLogger(level, format, sink), out, err, lines: () => [...out, ...err].join('').split('\n').filter(Boolean) };
}

const base: RequestRow = {
  id: 'req_test0001abc', ts: 1, keyName: 'alice', group: null, route: '', model: 'gpt-x', provider: 'up', upstreamModel: 'gpt-x',
  promptTokens: 11, completionTokens: 4, cachedTokens: 0, usageSource: 'upstream', costMicros: 7.5, status: 200, errorCode: null,
  latencyMs: 12.345678, ttftMs: null, stream: false, partial: false, configHash: 'h',
};
const attempt: AttemptRow = { requestId: base.id, n: 0, provider: 'up', upstreamModel: 'gpt-x', status: 200, errorCode: null, latencyMs: 10, ts: 1 };

const rows: Array<[RequestRow, AttemptRow[]]> = [
  [base, [attempt]],
  [{ ...base, surface: 'anthropic', stream: true, ttftMs: 3.5, cachedTokens: 5, usageSource: 'estimated' }, [attempt, { ...attempt, n: 1 }]],
  [{ ...base, keyName: null, model: null, provider: null, status: 400, errorCode: 'model_not_found', costMicros: 0, promptTokens: 0, completionTokens: 0 }, []],
  [{ ...base, errorCode: 'cache_hit', costMicros: 0 }, []],
  [{ ...base, status: 502, errorCode: 'upstream_error', model: 'a "quoted"\nmodel\\name' }, [{ ...attempt, status: 502 }]],
  [{ ...base, costMicros: 1, latencyMs: 1e-7, id: 'req-with-dash' }, [attempt]],
];

test('every kind of row: the fast line is the JSON of requestLogFields, byte for byte after the time', () => {
  for (const [row, attempts] of rows) {
    const c = capture();
    logRequest(c.log, row, attempts);
    c.log.flush?.();
    const [line] = c.lines();
    const level = row.status >= 500 ? 'warn' : 'info';
    const time = (JSON.parse(line!) as { time: string }).time;
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line).toBe(JSON.stringify({ time, level, msg: 'request', ...requestLogFields(row, attempts) }));
    expect(level === 'warn' ? c.err : c.out).toHaveLength(1);
  }
});

test('secrets and key shapes in names are masked on fast lines, also after setSecrets changes', () => {
  const c = capture();
  const secret = 'super-secret-config-value-123';
  c.log.setSecrets([secret]);
  const shaped = 'sk-proj-abcdefghijklmnopqrstuvwxyz';
  logRequest(c.log, { ...base, keyName: shaped, model: `m-${secret}` }, [attempt]);
  logRequest(c.log, { ...base, keyName: shaped, model: `m-${secret}` }, [attempt]); // memoised
  // A word-only secret inside a request id is masked too.
  c.log.setSecrets(['word1secret']);
  logRequest(c.log, { ...base, id: 'req_word1secret', model: 'other-model-word1secret' }, [attempt]);
  c.log.flush?.();
  const text = c.lines().join('\n');
  expect(text).not.toContain(secret);
  expect(text).not.toContain(shaped);
  expect(text).toContain('sk-proj-abcdefgh***');
  expect(text).not.toContain('word1secret');
  expect(c.lines()).toHaveLength(3);

  // A name seen before a secret was known is not served from the memo afterwards.
  const late = capture();
  logRequest(late.log, { ...base, model: 'm-late-secret-value' }, [attempt]);
  late.log.setSecrets(['late-secret-value']);
  logRequest(late.log, { ...base, model: 'm-late-secret-value' }, [attempt]);
  late.log.flush?.();
  expect(late.lines()[1]).toContain('"model":"m-***"');
});

test('lines leave in one write per event-loop turn; flush() writes what is pending; below the level nothing', async () => {
  const c = capture();
  for (let i = 0; i < 50; i++) logRequest(c.log, { ...base, id: `req_${i}` }, [attempt]);
  expect(c.out).toHaveLength(0);
  await new Promise((r) => setImmediate(r));
  expect(c.out).toHaveLength(1);
  expect(c.lines()).toHaveLength(50);
  logRequest(c.log, base, [attempt]);
  c.log.flush?.();
  expect(c.out).toHaveLength(2);
  const quiet = capture('warn');
  logRequest(quiet.log, base, [attempt]);
  quiet.log.flush?.();
  expect(quiet.lines()).toHaveLength(0);
});

test('pretty format takes the fields path; a worker logger tags fast lines and forwards flush()', () => {
  const p = capture('info', 'pretty');
  expect(p.log.json).toBeUndefined();
  logRequest(p.log, base, [attempt]);
  p.log.flush?.();
  expect(p.lines()[0]).toMatch(/ INFO  request id=req_test0001abc surface=openai key=alice model=gpt-x provider=up status=200 /);

  const c = capture();
  const w = workerLogger(c.log, { index: 2, count: 3 });
  logRequest(w, base, [attempt]);
  w.flush?.();
  const line = c.lines()[0]!;
  const time = (JSON.parse(line) as { time: string }).time;
  expect(line).toBe(JSON.stringify({ time, level: 'info', msg: 'request', worker: 2, pid: process.pid, ...requestLogFields(base, [attempt]) }));
});
