// Attaches the stateful services (ledger, budgets, rate limits) to a runtime. Placeholder: no-ops.

import type { GatewayConfig } from '../config/types.ts';
import type { Runtime } from './runtime.ts';

export interface Services {
  onReload(config: GatewayConfig): void;
  close(): Promise<void>;
}

export async function attachServices(_rt: Runtime, _config: GatewayConfig): Promise<Services> {
  return { onReload: () => {}, close: async () => {} };
}
