// Loads gateway.yaml: read → parse (positions kept) → ${VAR} interpolation → ajv → semantic checks.
// Returns either a validated config with its content hash, or every problem as file:line:col.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { schemaProblems } from './schema-check.ts';
import { semanticProblems } from './semantic.ts';
import type { GatewayConfig } from './types.ts';
import { type ConfigProblem, locate, parseSource } from './yaml-source.ts';

export type { ConfigProblem } from './yaml-source.ts';

export type LoadResult =
  | { ok: true; config: GatewayConfig; hash: string; file: string; baseDir: string; text: string; env: Record<string, string | undefined>; locate: (path: Array<string | number>) => { line: number; col: number } }
  | { ok: false; problems: ConfigProblem[]; hash?: string; file: string };

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export async function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): Promise<LoadResult> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    return { ok: false, file, problems: [{ file, line: 1, col: 1, message: `cannot read config: ${reason}` }] };
  }
  return loadConfigText(file, text, env);
}

export function loadConfigText(file: string, text: string, env: Record<string, string | undefined>): LoadResult {
  const hash = hashText(text);
  const source = parseSource(file, text, env);
  if (source.problems.length) return { ok: false, file, hash, problems: source.problems };
  const value: unknown = source.doc.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== 'object') {
    return { ok: false, file, hash, problems: [{ file, line: 1, col: 1, message: 'the config is empty; start from the bundled gateway.yaml' }] };
  }
  const schema = schemaProblems(file, source, value);
  if (schema.length) return { ok: false, file, hash, problems: schema };
  const config = value as GatewayConfig;
  const baseDir = dirname(file);
  const semantic = semanticProblems(file, source, config, baseDir);
  if (semantic.length) return { ok: false, file, hash, problems: semantic };
  return { ok: true, config, hash, file, baseDir, text, env, locate: (path) => locate(source, path) };
}

/** A compile failure (plugin or adapter that will not load) as a file:line:col problem line. */
export function compileProblem(loaded: Extract<LoadResult, { ok: true }>, err: unknown): string {
  const path = (err as { path?: Array<string | number> }).path;
  const at = path ? loaded.locate(path) : { line: 1, col: 1 };
  return `${loaded.file}:${at.line}:${at.col}: ${(err as Error).message}`;
}
