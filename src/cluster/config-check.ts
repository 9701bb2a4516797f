// Config rule for several worker processes: `server.workers > 1` needs `storage.redis`, otherwise every
// process would enforce its own rate limits, budgets and breakers (a limit would be limit × workers).

import type { GatewayConfig } from '../config/types.ts';

export interface WorkerProblem {
  path: Array<string | number>;
  message: string;
}

/** How many gateway processes `switchyard start` runs for this config (server.workers, default 1). */
export function workerCount(config: GatewayConfig): number {
  const workers = config.server?.workers;
  return typeof workers === 'number' && Number.isInteger(workers) && workers > 1 ? workers : 1; // the schema reports bad values
}

export function workerProblems(config: GatewayConfig): WorkerProblem[] {
  const workers = workerCount(config);
  if (workers <= 1 || config.storage?.redis) return [];
  return [{
    path: ['server', 'workers'],
    message: `server.workers is ${workers}, but more than one worker needs storage.redis: without shared state each process would enforce its own rate limits, budgets and breakers (a budget or limit would be ${workers} times too large). Add storage.redis with a url (e.g. redis://127.0.0.1:6379/0), or set server.workers: 1`,
  }];
}
