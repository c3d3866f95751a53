/**
 * The name among `names` a mistyped one most likely meant: at most two edits away (a letter
 * missing, extra, wrong, or two swapped), and fewer than half its letters, so that a short name is
 * never "corrected" into an unrelated one; a name that is the start of another up to a "_" counts
 * as one edit away (`lease` for `lease_ms`: a unit left out), and its camelCase spelling as none
 * (`slotsPerEpoch`). Undefined when none is that near, or two are equally so.
 */
export function nearestName(name: string, names: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.ceil(name.length / 2) - 1);
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tied = false;
  for (const candidate of names) {
    const distance =
      candidate === snakeCase(name)
        ? 0
        : candidate.startsWith(`${name}_`)
          ? 1
          : editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance, tied] = [candidate, distance, false];
    else if (distance === bestDistance && candidate !== best) tied = true;
  }
  return tied ? undefined : best;
}

/** `slotsPerEpoch` → `slots_per_epoch`: the same key in JavaScript's spelling, which keys here never use. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Levenshtein distance with a swap of neighbours as one edit (optimal string alignment). Written
 * here because the maintained Levenshtein packages count a swap as two edits, which would miss the
 * commonest typo in a short key (`prot` for `port`); the names compared are a few dozen characters.
 */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}
