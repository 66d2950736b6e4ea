/** Levenshtein distance: the fewest single-character edits that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * The known word a mistyped one most likely meant (same letters in another
 * case, or at most two edits away), for a "did you mean" hint.
 *
 * @example
 * closestWord('Acesssecret', ['AccessSecret', 'RefreshSecret']); // 'AccessSecret'
 * closestWord('fil', ['file', 'kid']); // 'file'
 */
export function closestWord(word: string, known: readonly string[]): string | undefined {
  return known.find((k) => k.toLowerCase() === word.toLowerCase() || editDistance(k, word) <= 2);
}
