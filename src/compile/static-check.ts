// `validate` checks user code (plugins, custom adapters) without running any of it: each file must
// exist and parse, and every import must resolve (relative and absolute files, `switchyard/*`, packages
// installed where the file is), following the user's own files recursively. Bun's transpiler parses;
// nothing is imported or evaluated. What only running the code can tell (a plugin's optionsSchema, its
// hooks, an adapter's exports) is checked when the gateway loads it, or by `validate --load-code`.

import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

const GATEWAY_SRC = fileURLToPath(new URL('../', import.meta.url));
const SELF = /^switchyard(\/(plugin|adapter|contracts))?$/;
const CODE = /\.(m|c)?(ts|tsx|js|jsx)$/;

type Loader = 'ts' | 'tsx' | 'js' | 'jsx';
const loaderFor = (file: string): Loader => {
  const ext = extname(file).replace(/^\.(m|c)/, '.');
  return ext === '.tsx' ? 'tsx' : ext === '.jsx' ? 'jsx' : ext === '.js' ? 'js' : 'ts';
};

interface Position { line?: number; column?: number }
interface ParseProblem { message?: string; position?: Position }

function parseMessage(file: string, err: unknown): string {
  const e = err as ParseProblem & { errors?: ParseProblem[] };
  const first = e.errors?.[0] ?? e;
  const at = first.position?.line ? `:${first.position.line}:${first.position.column ?? 0}` : '';
  return `${file}${at}: ${first.message ?? String(err)}`;
}

/** Throws an Error naming the first problem found in `entry` and the user files it imports. */
export function checkUserCode(entry: string): void {
  if (typeof Bun === 'undefined') return; // no parser outside Bun: checked at load
  const seen = new Set<string>();
  const visit = (file: string, importer?: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      throw new Error(importer ? `${importer} imports ${file}, which cannot be read` : `${file} cannot be read (paths are relative to the config file)`);
    }
    const transpiler = new Bun.Transpiler({ loader: loaderFor(file) });
    let imports: Array<{ path: string }>;
    try {
      transpiler.transformSync(source);
      imports = transpiler.scanImports(source);
    } catch (err) {
      throw new Error(parseMessage(file, err));
    }
    for (const { path: spec } of imports) {
      if (SELF.test(spec) || spec.startsWith('node:') || spec.startsWith('bun:') || spec === 'bun') continue;
      let resolved: string;
      try {
        resolved = Bun.resolveSync(spec, dirname(file));
      } catch {
        const relative = spec.startsWith('./') || spec.startsWith('../') || isAbsolute(spec);
        throw new Error(relative ? `${file} imports "${spec}", which does not exist` : `${file} imports package "${spec}", which is not installed where the file is`);
      }
      if (!resolved.startsWith(GATEWAY_SRC) && !resolved.includes('/node_modules/') && CODE.test(resolved)) visit(resolved, file);
    }
  };
  visit(entry);
}
