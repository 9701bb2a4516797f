// The in-process harness shared by bench/inproc.ts and bench/alloc-census.ts: a checkout's gateway started in
// this process at a stage's layers (its pipeline called directly, no HTTP server), the floor's request (a
// Request built, fetch to the upstream, text(), JSON.parse, a Response read), the gateway's request through
// `handleApiRequest`, and a loop that keeps `conc` of them in flight.

import { join } from 'node:path';
import { BENCH_KEY, BENCH_MODEL, type StageLayers, stageYaml } from './gateway-config.ts';

export type Call = () => Promise<unknown>;

export interface InProcessGateway {
  /** One chat request through the pipeline; throws unless it answers 200. */
  chat: Call;
  stop(): Promise<void>;
}

const BODY = JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 16 });
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}`, 'content-length': String(Buffer.byteLength(BODY)) };
const chatRequest = () => new Request('http://gw/v1/chat/completions', { method: 'POST', headers: HEADERS, body: BODY });

/** The gateway of the checkout at `root`, its config and data in `dir` (ledger-off stages need SWITCHYARD_LEDGER_THREAD=discard set first). */
export async function startInProcess(root: string, dir: string, upstreamPort: number, layers: StageLayers): Promise<InProcessGateway> {
  const { startGateway } = await import(join(root, 'src/gateway.ts'));
  const { handleApiRequest } = await import(join(root, 'src/http/handle-request.ts'));
  const { createLogger } = await import(join(root, 'src/log.ts'));
  await Bun.write(join(dir, 'gateway.yaml'), stageYaml({ upstreamPort, dir, ...layers }));
  const gw = await startGateway({ configPath: join(dir, 'gateway.yaml'), port: 0, watch: false, logger: createLogger('silent') });
  return {
    stop: () => gw.stop(),
    chat: async () => {
      const res: Response = await handleApiRequest(gw.runtime, chatRequest(), '127.0.0.1');
      if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
      return res.text();
    },
  };
}

/** What any proxy does per request in this harness: the floor the gateway's figures are read against. */
export function floorCall(upstreamPort: number): Call {
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/v1/chat/completions`;
  return async () => {
    const parsed = await chatRequest().json();
    const r = await fetch(upstreamUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-upstream-bench' }, body: JSON.stringify(parsed) });
    const text = await r.text();
    JSON.parse(text);
    return new Response(text, { headers: { 'content-type': 'application/json' } }).text();
  };
}

/** Runs `fn` `n` times with `conc` calls in flight. */
export async function runConcurrent(fn: Call, n: number, conc: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next++ < n) await fn();
  }));
}
