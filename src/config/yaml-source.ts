// Parses gateway.yaml keeping positions, interpolates ${VAR} / ${VAR:-default} in place, and maps
// a config path (ajv instancePath or our own) back to `line:col` in the file.

import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export interface ParsedSource {
  doc: Document.Parsed;
  lines: LineCounter;
  problems: ConfigProblem[];
}

const VAR_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const NUMBER_LIKE = /^-?\d+(\.\d+)?$/;

export function parseSource(file: string, text: string, env: Record<string, string | undefined>): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    problems.push({ file, line: pos.line, col: pos.col, message: `YAML ${err.code.toLowerCase().replace(/_/g, ' ')}: ${err.message.split('\n')[0]}` });
  }
  if (doc.errors.length > 0) return { doc, lines, problems };

  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const raw = node.value;
      let missing: string | undefined;
      const replaced = raw.replace(VAR_PATTERN, (_m, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        missing ??= name;
        return '';
      });
      if (missing) {
        const at = positionOf(lines, node.range?.[0] ?? 0);
        problems.push({ file, ...at, message: `environment variable ${missing} is not set (export it, or write \${${missing}:-default} to give a default)` });
        return;
      }
      // A plain (unquoted) scalar that was only a variable keeps YAML typing: "${PORT:-3000}" → 3000.
      const wholeVariable = /^\$\{[^}]+\}$/.test(raw.trim());
      if (wholeVariable && node.type === 'PLAIN') {
        if (NUMBER_LIKE.test(replaced)) node.value = Number(replaced);
        else if (replaced === 'true' || replaced === 'false') node.value = replaced === 'true';
        else node.value = replaced;
      } else {
        node.value = replaced;
      }
    },
  });
  return { doc, lines, problems };
}

export function positionOf(lines: LineCounter, offset: number): { line: number; col: number } {
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

/**
 * Finds the position of a config path. For a missing property the nearest existing ancestor is used;
 * `keyOf` points at the key of the last segment (for "unknown property" errors).
 */
export function locate(source: ParsedSource, path: Array<string | number>, keyOf?: string): { line: number; col: number } {
  let node: Node | null = source.doc.contents as Node | null;
  let best: Node | null = node;
  for (const segment of path) {
    const next = childOf(node, segment);
    if (!next) break;
    node = next;
    best = next;
  }
  if (keyOf !== undefined && best && isMap(best)) {
    const pair = best.items.find((item) => isScalar(item.key) && String(item.key.value) === keyOf);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) return positionOf(source.lines, keyNode.range[0]);
  }
  return positionOf(source.lines, best?.range?.[0] ?? 0);
}

function childOf(node: Node | null, segment: string | number): Node | null {
  if (!node) return null;
  if (isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
    return (pair?.value as Node | undefined) ?? null;
  }
  if (isSeq(node)) return (node.items[Number(segment)] as Node | undefined) ?? null;
  return null;
}

/** Splits an ajv instancePath ("/providers/openai/weight") into segments. */
export function splitPointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
