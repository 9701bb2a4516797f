// "Did you mean" for misspelt field names: the closest known name by edit distance after dropping
// case, `_` and `-` (so `baseurl` → base_url, `apiKey` → api_key), or the one a short typo is a prefix of
// (`timeout` → timeout_ms).

const normal = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The best suggestion for `word` among `known`, or undefined when nothing is close. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const w = normal(word);
  if (!w || word.length > 64) return undefined;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const c = normal(candidate);
    let score = distance(w, c);
    if (w.length >= 4 && (c.startsWith(w) || w.startsWith(c))) score = Math.min(score, 1);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  const allowed = Math.max(1, Math.floor(w.length / 3));
  return bestScore <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` or ''. */
export function hint(word: string, known: readonly string[]): string {
  const s = didYouMean(word, known);
  return s ? ` (did you mean "${s}"?)` : '';
}
