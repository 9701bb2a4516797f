// The shell of the bench's experimental forwarding servers (bench/buffered-proxy.ts, bench/socket-proxy.ts):
// Bun.serve on 127.0.0.1 at a random port with no idle timeout, exiting with its parent and normally on
// SIGTERM (so that --cpu-prof writes its profile), printing {"port":N} once listening.

import { exitWithParent } from './orphan-guard.ts';

export function serveForwarding(fetch: (req: Request) => Response | Promise<Response>): void {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch });
  exitWithParent();
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ port: server.port }));
}
