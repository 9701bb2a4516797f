// The dashboard's static files: the page, its scripts and styles (./static), and uPlot from the
// installed package (node_modules/uplot/dist). Read once, on first use, and served from memory;
// nothing is fetched from a CDN, so the dashboard works offline.

import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';

export class DashboardAssets {
  private files?: Map<string, Asset>;

  /** An asset by file name (e.g. "app.js", "uplot.js"), or undefined. */
  get(name: string): Asset | undefined {
    return this.load().get(name);
  }

  private load(): Map<string, Asset> {
    if (this.files) return this.files;
    const files = new Map<string, Asset>();
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'static');
    for (const name of readdirSync(dir)) files.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), type: typeOf(name) });
    const require = createRequire(import.meta.url);
    const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
    files.set('uplot.js', { body: new Uint8Array(readFileSync(join(uplotDir, 'uPlot.iife.min.js'))), type: TYPES['.js'] });
    files.set('uplot.css', { body: new Uint8Array(readFileSync(join(uplotDir, 'uPlot.min.css'))), type: TYPES['.css'] });
    this.files = files;
    return files;
  }
}
