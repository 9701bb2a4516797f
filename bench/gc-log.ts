// Reads JavaScriptCore's GC log (a process started with BUN_JSC_logGC=1 writes it to stderr): per heap (the main
// thread's, a worker's), the collections, their time, the heap size at each start, and what the program
// allocated between collections (a collection's size at its start minus what the previous one left, "=> N kb":
// the garbage made in between). Heaps' lines interleave, so the log is split at each "[GC<id>:" and every
// piece is read for what it carries. Used by bench/gc-probe.ts and bench/alloc-ops.ts.

export interface HeapCollections {
  collections: number;
  ms: number;
  startKb: number[];
  /** Allocated between consecutive collections that both started at or after `from`. */
  allocatedKb: number;
  /** How many such spans `allocatedKb` covers (collections - 1 when there are any). */
  spans: number;
}

/**
 * Garbage per unit of work: the mean allocation of a span between two collections, times the collections of
 * the window, over the work done in it. (The allocation before the first collection of the window also holds
 * work from before it, so it is not read; each span is taken as a typical one.)
 */
export function allocatedPerUnit(h: HeapCollections, units: number): number {
  return h.spans > 0 ? ((h.allocatedKb / h.spans) * h.collections) / units : NaN;
}

/** Collections that start at or after offset `from` of the log count. */
export function readGcLog(log: string, from = 0): Map<string, HeapCollections> {
  const heaps = new Map<string, HeapCollections>();
  const lastAfter = new Map<string, number>();
  let at = log.indexOf('[GC<');
  while (at !== -1) {
    const next = log.indexOf('[GC<', at + 4);
    const piece = log.slice(at + 4, next === -1 ? undefined : next);
    const id = piece.slice(0, piece.indexOf('>'));
    const counted = at >= from;
    const h = heaps.get(id) ?? { collections: 0, ms: 0, startKb: [], allocatedKb: 0, spans: 0 };
    const started = /: START M (\d+)kb/.exec(piece);
    if (started && counted) {
      const kb = Number(started[1]);
      h.collections++;
      h.startKb.push(kb);
      const before = lastAfter.get(id);
      if (before !== undefined) {
        h.allocatedKb += Math.max(0, kb - before);
        h.spans++;
      }
    }
    const after = /=> (\d+)kb/.exec(piece);
    if (after && counted) lastAfter.set(id, Number(after[1]));
    const cycle = /cycle ([0-9.]+)ms END/.exec(piece);
    if (cycle && counted) h.ms += Number(cycle[1]);
    if (counted) heaps.set(id, h);
    at = next;
  }
  return heaps;
}
