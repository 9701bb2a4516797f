// Imports user code (plugins, custom adapters) from anywhere on disk, freshly on every compile.
//
// - `import ... from 'switchyard/plugin'` (also `switchyard/adapter`, `switchyard/contracts`) works in
//   files outside this repository (a /config mount, a temp dir) that have no node_modules to resolve
//   it from: a Bun runtime plugin (onLoad, keyed by a query marker only our loader adds) rewrites those
//   specifiers to this checkout's src/contracts/index.ts. Bun's onResolve does not fire for bare
//   package names, so the rewrite happens when the file is loaded, using Bun's own import scanner.
// - A changed plugin or adapter is a new load generation: the entry file and each user file it imports
//   (relatively or by absolute path) get `?switchyard-load=<generation>`, so all of them are evaluated
//   afresh. A file that failed to load (a syntax error, a bad import) is therefore retried after it is
//   fixed (Bun keeps failed modules in its registry), and an edited helper takes effect like the plugin
//   itself. Unchanged code (same bytes in every file it loaded) keeps its module across reloads.
//   The gateway's own modules (src/) and packages are imported unmarked: one shared instance.
// - Each generation records the user files it loaded, so the watcher can watch helpers too, also when
//   the load failed.

import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkUserCode } from './static-check.ts';

const CONTRACTS = fileURLToPath(new URL('../contracts/index.ts', import.meta.url));
const GATEWAY_SRC = fileURLToPath(new URL('../', import.meta.url));
const MARK = 'switchyard-load';
const MARKED = new RegExp(`\\?${MARK}=(\\d+)$`);
const CODE = /\.(m|c)?(ts|tsx|js|jsx)$/;
const SELF = /^switchyard(\/(plugin|adapter|contracts))?$/;

type Loader = 'ts' | 'tsx' | 'js' | 'jsx';

/** One compile's import of user code; `files` are the user files loaded so far (also on failure). */
export interface CodeLoad {
  /** false for `validate`: user files are checked statically (static-check.ts), never imported. */
  readonly runs: boolean;
  readonly files: ReadonlySet<string>;
  import(file: string): Promise<Record<string, unknown>>;
  /** Stops recording (imports a hook makes later still work). */
  done(): void;
}

type Hash = number | bigint;

interface LoaderState {
  generation: number;
  /** Files (and the hash of the text evaluated) each running import has loaded. */
  open: Map<number, Map<string, Hash>>;
  /** Entry file → its module and the files it loaded: reused while none of them changed. */
  cache: Map<string, { module: Record<string, unknown>; files: Map<string, Hash> }>;
}

let state: LoaderState | undefined;

function loaderFor(file: string): Loader {
  const ext = extname(file).replace(/^\.(m|c)/, '.');
  return ext === '.tsx' ? 'tsx' : ext === '.jsx' ? 'jsx' : ext === '.js' ? 'js' : 'ts';
}

/** The source with switchyard/* and user-file specifiers rewritten for generation `gen`. */
export function rewriteSource(file: string, source: string, gen: number): string {
  let imports: Array<{ path: string }>;
  try {
    imports = new Bun.Transpiler({ loader: loaderFor(file) }).scanImports(source);
  } catch {
    return source; // a syntax error: let Bun report it with its position
  }
  let out = source;
  for (const spec of new Set(imports.map((i) => i.path))) {
    const target = targetOf(spec, file, gen);
    if (target === undefined || target === spec) continue;
    for (const q of ["'", '"']) out = out.split(`${q}${spec}${q}`).join(JSON.stringify(target));
  }
  return out;
}

function targetOf(spec: string, file: string, gen: number): string | undefined {
  if (SELF.test(spec)) return CONTRACTS;
  if (!spec.startsWith('./') && !spec.startsWith('../') && !isAbsolute(spec)) return undefined; // a package
  let resolved: string;
  try {
    resolved = Bun.resolveSync(spec, dirname(file));
  } catch {
    return undefined; // Bun reports the missing file when the import runs
  }
  if (resolved.startsWith(GATEWAY_SRC) || resolved.includes('/node_modules/') || !CODE.test(resolved)) return resolved;
  return `${resolved}?${MARK}=${gen}`;
}

function install(): LoaderState {
  const s: LoaderState = { generation: 0, open: new Map(), cache: new Map() };
  Bun.plugin({
    name: 'switchyard-user-code',
    setup(build) {
      build.onLoad({ filter: MARKED }, (args) => {
        const gen = Number(MARKED.exec(args.path)?.[1] ?? 0);
        const file = args.path.replace(MARKED, '');
        const source = readFileSync(file, 'utf8');
        s.open.get(gen)?.set(file, Bun.hash(source));
        return { contents: rewriteSource(file, source, gen), loader: loaderFor(file) };
      });
    },
  });
  return s;
}

function unchanged(files: ReadonlyMap<string, Hash>): boolean {
  for (const [file, hash] of files) {
    try {
      if (Bun.hash(readFileSync(file, 'utf8')) !== hash) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Starts one compile's load. Each import whose files all still read the same reuses the module it got
 * last time; otherwise it is a new generation (old ones stay in Bun's registry: memory grows a little
 * per code change, not per reload). Outside Bun (no runtime plugins) files are imported as they are.
 */
export function beginLoad(): CodeLoad {
  const files = new Set<string>();
  if (typeof Bun === 'undefined') {
    return { runs: true, files, done: () => {}, import: async (file) => { files.add(file); return (await import(file)) as Record<string, unknown>; } };
  }
  state ??= install();
  const s = state;
  return {
    runs: true,
    files,
    done: () => {},
    async import(file) {
      files.add(file);
      const cached = s.cache.get(file);
      if (cached && unchanged(cached.files)) {
        for (const f of cached.files.keys()) files.add(f);
        return cached.module;
      }
      const gen = ++s.generation;
      const seen = new Map<string, Hash>();
      s.open.set(gen, seen);
      try {
        const module = (await import(`${file}?${MARK}=${gen}`)) as Record<string, unknown>;
        s.cache.set(file, { module, files: seen });
        return module;
      } catch (err) {
        throw cleanError(err);
      } finally {
        s.open.delete(gen);
        for (const f of seen.keys()) files.add(f);
      }
    },
  };
}

/** A load that runs no user code: import() parses the file and its imports and returns no exports. */
export function staticLoad(): CodeLoad {
  const files = new Set<string>();
  return {
    runs: false,
    files,
    done: () => {},
    async import(file) {
      files.add(file);
      checkUserCode(file);
      return {};
    },
  };
}

/** Bun's load errors name the marked specifier; users should see their own file names. */
function cleanError(err: unknown): Error {
  const strip = (t: string) => t.replaceAll(new RegExp(`\\?${MARK}=\\d+`, 'g'), '');
  const e = err instanceof Error ? err : new Error(String(err));
  const position = (e as { position?: { file?: string; line?: number; column?: number } }).position;
  const where = position?.file ? ` (${strip(position.file)}:${position.line ?? 0}:${(position.column ?? 0) + 1})` : '';
  const out = new Error(strip(e.message) + where);
  out.name = e.name;
  return out;
}
