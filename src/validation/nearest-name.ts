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
  // rows[i][j]: the distance between a's first i characters and b's first j.
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
