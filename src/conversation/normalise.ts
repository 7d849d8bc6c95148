/**
 * Typed text is messy: capitals, accents, "jaaaa", "ok!!", emoji variation selectors. Everything the bot
 * compares against locale word lists goes through `normalise` first, on both sides.
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\ufe0f\u200d]/g, '') // accents, emoji variation selectors, zero-width joiners
    .toLowerCase()
    .replace(/[’'`´]/g, "'")
    .replace(/([a-z])\1{2,}/g, '$1$1') // "jaaaa" → "jaa", "bangggg" → "bangg"
    .replace(/ij/g, 'y') // Dutch writers swap "ij" and "y": "altyd", "zyn"
    .replace(/[^\p{L}\p{N}\p{Extended_Pictographic}'\s/-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function tokens(normalised: string): string[] {
  return normalised.split(/[\s/-]+/).filter(Boolean);
}

/** Damerau–Levenshtein (optimal string alignment) distance, bounded: returns max+1 once it exceeds max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    for (let j = 0; j <= b.length; j++) prev2[j] = prev[j]!;
    prev = cur;
  }
  return prev[b.length]!;
}

/** How many typos a word of this length may carry and still count as meant. */
export function typoBudget(word: string): number {
  if (word.length >= 8) return 2;
  if (word.length >= 5) return 1;
  return 0;
}
