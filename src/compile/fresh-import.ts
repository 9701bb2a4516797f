// Imports a user module (plugin or adapter) freshly: drops it and its sibling files from the module
// cache first, so a saved file is picked up on the next reload without restarting the process.

import { dirname } from 'node:path';

const requireCache = (): Record<string, unknown> | undefined => (typeof require !== 'undefined' ? (require.cache as Record<string, unknown>) : undefined);

export async function importFresh(file: string): Promise<Record<string, unknown>> {
  const cache = requireCache();
  if (cache) {
    const dir = dirname(file) + '/';
    for (const path of Object.keys(cache)) {
      if (path === file || (path.startsWith(dir) && !path.includes('/node_modules/'))) delete cache[path];
    }
  }
  return (await import(file)) as Record<string, unknown>;
}
