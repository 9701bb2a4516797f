// Loads gateway.yaml: read (strict UTF-8) → bounds → parse (positions kept) → ${VAR} interpolation → ajv → semantic checks
// → each provider's fields against its built-in adapter's providerOptionsSchema (a user adapter's fields
// are checked when compile has loaded it). Returns either a validated config
// with its content hash, or every problem of the file as file:line:col (schema and semantic problems
// together wherever the YAML parses). Loading never throws: whatever fails becomes a problem.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MAX_CONFIG_BYTES, documentBounds, textBounds } from './load-bounds.ts';
import { loadBuiltinAdapters } from './provider-adapters.ts';
import { providerFieldProblems } from './provider-fields.ts';
import { schemaProblems } from './schema-check.ts';
import { semanticProblems } from './semantic.ts';
import { decodeConfig } from './text-decode.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, type ParsedSource, locate, parseSource, positionOf, scrubValues } from './yaml-source.ts';

export type { ConfigProblem } from './yaml-source.ts';

export type LoadResult =
  | {
      ok: true; config: GatewayConfig; hash: string; file: string; baseDir: string; text: string;
      env: Record<string, string | undefined>;
      locate: (path: Array<string | number>) => { line: number; col: number };
      source: ParsedSource;
    }
  | { ok: false; problems: ConfigProblem[]; hash?: string; file: string };

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export async function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): Promise<LoadResult> {
  const file = resolve(path);
  const fail = (message: string): LoadResult => ({ ok: false, file, problems: [{ file, line: 1, col: 1, message }] });
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return fail(`cannot read config: this is a directory; pass the path of the gateway.yaml file (e.g. ${join(file, 'gateway.yaml')})`);
    if (info.size > MAX_CONFIG_BYTES) return fail(`the config is ${info.size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (4 MiB)`);
    const decoded = decodeConfig(await readFile(file));
    if ('problem' in decoded) return { ok: false, file, problems: [{ file, ...decoded.problem }] };
    text = decoded.text;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return fail(`cannot read config: ${reason}`);
  }
  const checked = await loadConfigText(file, text, env);
  const { source, config, hash } = checked;
  if (!source || !config) return { ok: false, file, hash, problems: checked.problems.map((p) => ({ ...p, message: source ? scrubValues(p.message, source.used) : p.message })) };
  const baseDir = dirname(file);
  let problems = checked.problems;
  try {
    const loaded = await loadBuiltinAdapters(file, source, config);
    problems = [...problems, ...loaded.problems, ...providerFieldProblems(file, source, config, loaded.adapters)].sort((a, b) => a.line - b.line || a.col - b.col);
  } catch (err) {
    problems = [...problems, { file, line: 1, col: 1, message: `cannot check provider fields: ${(err as Error)?.name ?? 'error'}` }];
  }
  if (problems.length) return { ok: false, file, hash, problems: problems.map((p) => ({ ...p, message: scrubValues(p.message, source.used) })) };
  return { ok: true, config, hash, file, baseDir, text, env, source, locate: (p) => locate(source, p) };
}

/** The code-free part of loading; `source` and `config` are present whenever the YAML parsed. */
export interface TextCheck {
  file: string;
  hash: string;
  problems: ConfigProblem[];
  source?: ParsedSource;
  config?: GatewayConfig;
}

/** Lets queued requests (/health, API calls) run between the synchronous steps of a large load. */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Everything that needs no code loaded: bounds, YAML, interpolation, schema and semantic checks. */
export async function loadConfigText(file: string, text: string, env: Record<string, string | undefined>): Promise<TextCheck> {
  const hash = hashText(text);
  const at = (offset: number, message: string, lines?: ParsedSource['lines']) => ({ file, ...(lines ? positionOf(lines, offset) : { line: 1, col: 1 }), message });
  try {
    const tooBig = textBounds(text);
    if (tooBig) return { file, hash, problems: [at(0, tooBig.message)] };
    await breathe();
    const source = await parseSource(file, text, env);
    if (source.doc.errors.length) return { file, hash, problems: source.problems };
    await breathe();
    const bounded = documentBounds(source.doc);
    if (bounded) return { file, hash, problems: [at(bounded.offset, bounded.message, source.lines)] };
    // Aliases are bounded above (documentBounds), so the library's own, stricter alias limit is off.
    const value: unknown = source.doc.toJS({ maxAliasCount: -1 });
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { file, hash, problems: [...source.problems, at(0, 'the config is empty or not a mapping; start from the bundled gateway.yaml')] };
    }
    const config = value as GatewayConfig;
    await breathe();
    const schema = schemaProblems(file, source, value);
    await breathe();
    // Semantic checks are written to tolerate a config the schema rejected, so both are reported at once.
    const semantic = semanticProblems(file, source, config, dirname(file));
    return { file, hash, problems: mergeProblems(source.problems, [...semantic, ...schema]), source, config };
  } catch (err) {
    // Nothing in loading may take the process down; the message is the error's kind, never a stack.
    const kind = err instanceof RangeError ? 'the file is too deeply nested or too large' : `${(err as Error)?.name ?? 'error'}: ${String((err as Error)?.message ?? err).split('\n')[0]}`;
    return { file, hash, problems: [at(0, `cannot load config: ${kind}`)] };
  }
}

/**
 * Problems sorted by position. Exact repeats are dropped, and so is anything reported where `first` already
 * reported (an unset variable makes its own value meaningless to check further).
 */
function mergeProblems(first: ConfigProblem[], second: ConfigProblem[]): ConfigProblem[] {
  const taken = new Set(first.map((p) => `${p.line}:${p.col}`));
  const seen = new Set<string>();
  const all = [...first, ...second.filter((p) => !taken.has(`${p.line}:${p.col}`))].filter((p) => {
    const id = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return all.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** A compile failure (plugin or adapter that will not load) as a file:line:col problem line. */
export function compileProblem(loaded: Extract<LoadResult, { ok: true }>, err: unknown): string {
  const path = (err as { path?: Array<string | number> }).path;
  const at = path ? loaded.locate(path) : { line: 1, col: 1 };
  const message = err instanceof Error ? err.message : 'compile failed';
  return `${loaded.file}:${at.line}:${at.col}: ${scrubValues(message, loaded.source.used)}`;
}
