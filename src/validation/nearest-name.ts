/**
 * The known name (a config key, a flag, a command) an unknown one is most
 * likely a misspelling of: the nearest by edit distance, ignoring case, when it
 * is within a third of the unknown name's length (at least 1), so
 * `exclude_tags` finds `exclude-tags` and `colour` finds nothing. Undefined
 * when none is that close.
 */
export function nearestName(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and
 * swaps of two neighbours (`idnetity`) cost 1 each. Written here because no
 * dependency of ours exports one (diff's character diff counts only
 * insertions and deletions, so a typo would cost 2), and a dependency for a
 * dozen lines run on one short key per error is not worth its weight.
 */
function editDistance(a: string, b: string): number {
  // d[i * width + j]: the distance between a's first i characters and b's first j.
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}
