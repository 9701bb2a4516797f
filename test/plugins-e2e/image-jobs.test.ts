// The native async image job API: POST /v1/images/jobs → 202, GET /v1/images/jobs/{id}; jobs run
// through the gateway's own pipeline (billed like any request, ledger row id = job id), belong to
// their key, survive restarts, and jobs abandoned by a dead process are failed with a clear error.

import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { createJob } from '../../src/store/jobs-repo.ts';
import { tempDir } from '../helpers/gateway.ts';
import { type E2EGateway, TEST_KEY, auth, postJson, startE2E, until } from './helpers.ts';

const OTHER = 'sk-other-key-1111111111';
const LIMITED = 'sk-limited-key-222222222';
const yaml = (dir: string) => `version: 1
keys:
  - { name: tester, key: ${TEST_KEY} }
  - { name: other, key: ${OTHER} }
  - { name: limited, key: ${LIMITED}, models: [mock-echo] }
providers:
  mock:
    adapter: mock
    models: [mock-image, mock-echo]
  slow:
    adapter: mock
    models: [slow-image]
    mock: { delay_ms: 300 }
models:
  mock-image: { price: { per_request: 0.02 } }
routing:
  retry: { attempts: 0 }
storage:
  url: file:${join(dir, 'ledger.db')}
`;

let gw: E2EGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

interface JobBody { id: string; object: string; status: string; model: string; result?: any; error?: any }
const getJob = async (id: string, key = TEST_KEY) => fetch(`${gw!.url}/v1/images/jobs/${id}`, { headers: auth(key) });
const settled = (id: string) => until(async () => {
  const body = (await (await getJob(id)).json()) as JobBody;
  return body.status === 'succeeded' || body.status === 'failed' ? body : undefined;
});

test('submit → 202 queued, then succeeded with the images.generations result; billed once under the job id', async () => {
  const dir = tempDir('switchyard-jobs-');
  gw = await startE2E(yaml(dir), { dir });
  const res = await postJson(`${gw.url}/v1/images/jobs`, { model: 'mock-image', prompt: 'a sunflower', n: 1, response_format: 'b64_json' });
  expect(res.status).toBe(202);
  const job = (await res.json()) as JobBody;
  expect(job).toMatchObject({ object: 'image.job', status: 'queued', model: 'mock-image' });
  expect(res.headers.get('location')).toBe(`/v1/images/jobs/${job.id}`);
  const done = await settled(job.id);
  expect(done.status).toBe('succeeded');
  expect(done.result.data[0].b64_json).toBeTruthy();
  const row = await gw.row(job.id);
  expect(row).toMatchObject({ keyName: 'tester', model: 'mock-image', status: 200, costMicros: 20_000 });
  expect(gw.rows.filter((r) => r.id === job.id).length).toBe(1);
  // also served without the /v1 prefix
  expect((await fetch(`${gw.url}/images/jobs/${job.id}`, { headers: auth() })).status).toBe(200);
});

test('jobs belong to their key; bad submissions fail at once; unknown methods get a hint', async () => {
  const dir = tempDir('switchyard-jobs-');
  gw = await startE2E(yaml(dir), { dir });
  const job = (await (await postJson(`${gw.url}/v1/images/jobs`, { model: 'mock-image', prompt: 'x' })).json()) as JobBody;
  const other = await getJob(job.id, OTHER);
  expect(other.status).toBe(404);
  expect(((await other.json()) as { error: { code: string } }).error.code).toBe('job_not_found');
  expect((await getJob('imgjob_nope')).status).toBe(404);
  expect((await fetch(`${gw.url}/v1/images/jobs/${job.id}`)).status).toBe(401);

  const noModel = await postJson(`${gw.url}/v1/images/jobs`, { prompt: 'x' });
  expect(noModel.status).toBe(400);
  const unknown = await postJson(`${gw.url}/v1/images/jobs`, { model: 'nope', prompt: 'x' });
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  const forbidden = await postJson(`${gw.url}/v1/images/jobs`, { model: 'mock-image', prompt: 'x' }, auth(LIMITED));
  expect(forbidden.status).toBe(403);
  const notJson = await fetch(`${gw.url}/v1/images/jobs`, { method: 'POST', headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'text/plain' }, body: 'x' });
  expect(notJson.status).toBe(415);
  const wrong = await fetch(`${gw.url}/v1/images/jobs/${job.id}`, { method: 'DELETE', headers: auth() });
  // A served path with a method it does not take: 405 naming the one it does.
  expect(wrong.status).toBe(405);
  expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
});

test('an upstream failure fails the job with the gateway error', async () => {
  const dir = tempDir('switchyard-jobs-');
  gw = await startE2E(yaml(dir), { dir });
  const job = (await (await postJson(`${gw.url}/v1/images/jobs`, { model: 'mock-image', prompt: 'mock:fail=500' })).json()) as JobBody;
  const done = await settled(job.id);
  expect(done.status).toBe('failed');
  expect(done.error).toMatchObject({ code: 'upstream_error', status: 502, type: 'upstream_error' });
  expect(done.result).toBeUndefined();
});

test('a graceful stop waits for a running job; the result is there after a restart', async () => {
  const dir = tempDir('switchyard-jobs-');
  gw = await startE2E(yaml(dir), { dir });
  const job = (await (await postJson(`${gw.url}/v1/images/jobs`, { model: 'slow-image', prompt: 'slow' })).json()) as JobBody;
  expect(((await (await getJob(job.id)).json()) as JobBody).status).toBe('running');
  await gw.stop();
  gw = await startE2E(yaml(dir), { dir });
  const after = (await (await getJob(job.id)).json()) as JobBody;
  expect(after.status).toBe('succeeded');
});

test('jobs whose heartbeat stopped are failed as interrupted (at start and when read); live ones are not', async () => {
  const dir = tempDir('switchyard-jobs-');
  gw = await startE2E(yaml(dir), { dir, jobs: { staleMs: 250, heartbeatMs: 50 } });
  const db = gw.runtime.store!.db;
  await createJob(db, { id: 'imgjob_dead', keyName: 'tester', kind: 'images.generations', status: 'running', request: { model: 'mock-image', prompt: 'x' } });
  const live = (await (await postJson(`${gw.url}/v1/images/jobs`, { model: 'slow-image', prompt: 'slow' })).json()) as JobBody;
  expect(((await (await getJob('imgjob_dead')).json()) as JobBody).status).toBe('running');
  await Bun.sleep(280);
  const dead = (await (await getJob('imgjob_dead')).json()) as JobBody;
  expect(dead.status).toBe('failed');
  expect(dead.error.code).toBe('job_interrupted');
  expect(dead.error.message).toContain('submit the job again');
  expect((await settled(live.id)).status).toBe('succeeded');
});
