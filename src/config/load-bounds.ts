// Bounds on what loading a config may cost, checked before the expensive steps: the file size and a
// cheap count of its items before parsing, then nesting depth and the size of the document with every
// YAML alias expanded (an "alias bomb" stays small on disk) before it becomes a JavaScript value.
// Together they keep a hostile or runaway file from blocking the process (and /health) for long.

import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

/** Largest config file accepted, in bytes. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Most items (lines, flow-collection entries) a config may have before parsing. */
export const MAX_CONFIG_ITEMS = 150_000;
/** Most values (map entries, list items, scalars) once aliases are expanded. */
export const MAX_CONFIG_VALUES = 300_000;
/** Deepest nesting of maps and lists. */
export const MAX_CONFIG_DEPTH = 64;

export interface BoundProblem {
  offset: number;
  message: string;
}

/** Size and item count, before the text is parsed (linear, a few ms for the largest accepted file). */
export function textBounds(text: string): BoundProblem | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    return { offset: 0, message: `the config is ${bytes} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (4 MiB). Keep large key lists in the ledger (admin API keys) rather than in gateway.yaml` };
  }
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 44 || c === 91 || c === 123) items++; // \n , [ {
  }
  if (items > MAX_CONFIG_ITEMS) {
    return { offset: 0, message: `the config has about ${items} items (lines and list/map entries); the limit is ${MAX_CONFIG_ITEMS}` };
  }
  return undefined;
}

/** Nesting depth and alias-expanded size of a parsed document (linear in its nodes). */
export function documentBounds(doc: Document.Parsed): BoundProblem | undefined {
  const anchors = new Map<string, Node>();
  const sizes = new WeakMap<Node, number>();
  let problem: BoundProblem | undefined;
  let total = 0;

  const measure = (node: unknown, depth: number): number => {
    if (problem || node === null || node === undefined) return 0;
    const n = node as Node;
    if (depth > MAX_CONFIG_DEPTH) {
      problem = { offset: n.range?.[0] ?? 0, message: `the config nests deeper than ${MAX_CONFIG_DEPTH} levels` };
      return 0;
    }
    let size = 1;
    if (isAlias(n)) {
      const target = anchors.get(n.source);
      const known = target ? sizes.get(target) : undefined;
      if (known === undefined) {
        problem = { offset: n.range?.[0] ?? 0, message: `alias *${n.source} refers to no complete anchor &${n.source} before it` };
        return 0;
      }
      size = known;
    } else if (isMap(n) || isSeq(n)) {
      for (const item of n.items) size += isPair(item) ? measure(item.key, depth + 1) + measure(item.value, depth + 1) : measure(item, depth + 1);
    } else if (!isScalar(n)) {
      size = 1;
    }
    if (!isAlias(n) && n.anchor) {
      anchors.set(n.anchor, n);
      sizes.set(n, size);
    }
    total += isAlias(n) ? size : 1;
    if (!problem && total > MAX_CONFIG_VALUES) {
      problem = { offset: n.range?.[0] ?? 0, message: `the config expands to more than ${MAX_CONFIG_VALUES} values (YAML aliases counted once per use); the limit guards against alias bombs` };
    }
    return size;
  };
  measure(doc.contents, 0);
  return problem;
}
