// Parses gateway.yaml keeping positions, interpolates ${VAR} / ${VAR:-default} in place (remembering the
// source text of every interpolated scalar, so messages can name the variable, never its value), finds
// duplicate keys in linear time, and maps a config path back to `line:col` in the file.

import { LineCounter, isMap, isScalar, isSeq, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseYielding, yamlMessage } from './yaml-parse.ts';

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  message: string;
  /** Warnings do not fail validation (e.g. a model without a price). */
  severity?: 'error' | 'warning';
}

export interface ParsedSource {
  doc: Document.Parsed;
  lines: LineCounter;
  problems: ConfigProblem[];
  /** Source text (`${VAR}` form) of every scalar whose value came from the environment. */
  raw: WeakMap<Node, string>;
  /** Variables the file uses → their values (for scrubbing messages; see `scrubValues`). */
  used: Map<string, string>;
}

const VAR_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const NUMBER_LIKE = /^-?\d+(\.\d+)?$/;

export async function parseSource(file: string, text: string, env: Record<string, string | undefined>): Promise<ParsedSource> {
  const lines = new LineCounter();
  // uniqueKeys is checked below: the library's own check is quadratic in the size of a map.
  const doc = await parseYielding(text, lines);
  const raw = new WeakMap<Node, string>();
  const used = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  const yamlProblem = (err: (typeof doc.errors)[number]) => {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    return { file, line: pos.line, col: pos.col, message: yamlMessage(err) };
  };
  // One syntax error usually causes the next ones (an unclosed bracket): report the first only.
  if (doc.errors.length > 0) return { doc, lines, raw, used, problems: [yamlProblem(doc.errors[0]!)] };
  for (const warning of doc.warnings) problems.push(yamlProblem(warning));

  visit(doc, {
    Map(_key, node) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          problems.push({ file, ...positionOf(lines, pair.key.range?.[0] ?? 0), message: `duplicate key "${String(pair.key.value)}" in this mapping; each key may appear once` });
        }
        seen.add(pair.key.value);
      }
    },
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const source = node.value;
      let missing: string | undefined;
      const replaced = source.replace(VAR_PATTERN, (_m, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') {
          used.set(name, value);
          return value;
        }
        if (fallback !== undefined) return fallback;
        missing ??= name;
        return '';
      });
      if (missing) {
        const at = positionOf(lines, node.range?.[0] ?? 0);
        problems.push({ file, ...at, message: `environment variable ${missing} is not set (export it, or write \${${missing}:-default} to give a default)` });
        return;
      }
      if (replaced !== source) raw.set(node, source);
      // A plain (unquoted) scalar that was only a variable keeps YAML typing: "${PORT:-3000}" → 3000.
      const wholeVariable = /^\$\{[^}]+\}$/.test(source.trim());
      if (wholeVariable && node.type === 'PLAIN') {
        if (NUMBER_LIKE.test(replaced)) node.value = Number(replaced);
        else if (replaced === 'true' || replaced === 'false') node.value = replaced === 'true';
        else node.value = replaced;
      } else {
        node.value = replaced;
      }
    },
  });
  return { doc, lines, raw, used, problems };
}

/**
 * The safety net under every message about a config: any value of a variable the file uses is replaced
 * by `${NAME}`, wherever it appears (in a resolved path, inside a library's error text, ...).
 */
export function scrubValues(message: string, used: ReadonlyMap<string, string>): string {
  let out = message;
  const byLength = [...used].flatMap(([name, value]) => [[name, value], [name, value.trim()], [name, value.trim().replace(/^\.\//, '')]] as const).sort((a, b) => b[1].length - a[1].length);
  for (const [name, value] of byLength) if (value.length >= 6 && out.includes(value)) out = out.split(value).join(`\${${name}}`);
  return out;
}

export function positionOf(lines: LineCounter, offset: number): { line: number; col: number } {
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

/** The node at a config path, or null. */
export function nodeAt(source: ParsedSource, path: ReadonlyArray<string | number>): Node | null {
  let node: Node | null = source.doc.contents as Node | null;
  for (const segment of path) {
    node = childOf(node, segment);
    if (!node) return null;
  }
  return node;
}

/**
 * How a message may show a config value: its source text when it came from `${VAR}` (naming the
 * variable, never its value), else the value itself, quoted.
 */
export function shown(source: ParsedSource, path: ReadonlyArray<string | number>, value: unknown): string {
  const node = nodeAt(source, path);
  const text = node ? source.raw.get(node) : undefined;
  return text !== undefined ? text : JSON.stringify(value);
}

/** The key of a map entry as a message may show it (see `shown`). */
export function shownKey(source: ParsedSource, mapPath: ReadonlyArray<string | number>, key: string): string {
  const map = nodeAt(source, mapPath);
  const keyNode = map && isMap(map) ? (pairIndex(map).get(key)?.key as Node | undefined) : undefined;
  const text = keyNode ? source.raw.get(keyNode) : undefined;
  return text !== undefined ? text : JSON.stringify(key);
}

/**
 * Finds the position of a config path. For a missing property the nearest existing ancestor is used;
 * `keyOf` points at the key of the last segment (for "unknown property" errors).
 */
export function locate(source: ParsedSource, path: ReadonlyArray<string | number>, keyOf?: string): { line: number; col: number } {
  let node: Node | null = source.doc.contents as Node | null;
  let best: Node | null = node;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (!next) break;
    node = next;
    best = next;
  }
  if (keyOf !== undefined && best && isMap(best)) {
    const keyNode = pairIndex(best).get(keyOf)?.key as Node | undefined;
    if (keyNode?.range) return positionOf(source.lines, keyNode.range[0]);
  }
  return positionOf(source.lines, best?.range?.[0] ?? 0);
}

// Key → pair per map, built once: locating N problems in a map of N entries stays linear.
const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairIndex(map: YAMLMap): Map<string, Pair> {
  let index = indexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair as Pair);
    }
    indexes.set(map, index);
  }
  return index;
}

function childOf(node: Node | null, segment: string | number): Node | null {
  if (!node) return null;
  if (isMap(node)) return (pairIndex(node).get(String(segment))?.value as Node | undefined) ?? null;
  if (isSeq(node)) return (node.items[Number(segment)] as Node | undefined) ?? null;
  return null;
}

/** Splits an ajv instancePath ("/providers/openai/weight") into segments. */
export function splitPointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
