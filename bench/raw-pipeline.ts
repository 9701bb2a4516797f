// The gateway's pipeline without its framework (issue 13): `handleApiRequest` called from raw Bun.serve, as
// Elysia's static route calls it, for bench/straight-line-costs.ts to tell Elysia's share of the layers from
// the pipeline's (the gateway minus this is Elysia; this minus bench/straight-line.ts is the pipeline's layers).
// BENCH_CONFIG: a gateway.yaml. Prints {"port":N}.

import { exitWithParent } from './orphan-guard.ts';
import { startGateway } from '../src/gateway.ts';
import { createLogger } from '../src/log.ts';
import { handleApiRequest } from '../src/http/handle-request.ts';
import { closeIfBodyUnread } from '../src/http/app.ts';

const configPath = process.env.BENCH_CONFIG;
if (!configPath) throw new Error('BENCH_CONFIG (a gateway.yaml) is required');
const gateway = await startGateway({ configPath, port: 0, watch: false, logger: createLogger('silent') });
const rt = gateway.runtime;

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  async fetch(request, srv) {
    return closeIfBodyUnread(request, await handleApiRequest(rt, request, () => srv.requestIP(request)?.address ?? '127.0.0.1'));
  },
});

exitWithParent();
process.on('SIGTERM', () => process.exit(0));
console.log(JSON.stringify({ port: server.port }));
