import { editDistance } from './normalise.js';

/**
 * The word index behind the safety net's concepts: which list words a typed token stands for. A list word is
 * - `slaat`: that word, or the word with a typo or two when it is long enough ("geslagn" → "geslagen");
 * - `slaa*`: any token starting with it; `*moord`: any token ending with it (Dutch writes compounds as one word).
 * Typos are read only where they rarely make another word: a swap of two letters in a word of five to seven
 * letters ("salat" → "slaat"), one slip in a word of eight or more, two in twelve or more. One slip in a short word
 * mostly makes a real one ("stopt" is one letter from "stompt", "kappen" from "klappen").
 * Typos are found through a deletion index (SymSpell's idea): every spelling of a list word with one or two letters
 * left out points at the word, so a token's candidates are looked up, not compared with every word, and the cost per
 * token stays flat however long the lists grow. A token that is a real word of its own (`ordinary` in the lists:
 * "slaapt" is not a typo of "slaat") is never read as a typo.
 */
export interface WordIndex {
  /** Ids of the list words this token stands for (empty when none). */
  lookup(token: string): readonly number[];
}

export interface ListWord {
  text: string;
  prefix: boolean;
  suffix: boolean;
}

export function parseWord(raw: string): ListWord {
  const prefix = raw.length > 1 && raw.endsWith('*');
  const suffix = raw.length > 1 && raw.startsWith('*');
  return { text: raw.slice(suffix ? 1 : 0, prefix ? -1 : undefined), prefix, suffix };
}

/**
 * A stretched letter read as one: "bangg" → "bang", "niiet" → "niet". Only a double at the end and "ii" (never
 * written on purpose in these languages): Dutch "slaap" must not become English "slap".
 */
const undouble = (s: string) => s.replace(/ii/g, 'i').replace(/(.)\1$/, '$1');

function deletions(word: string, depth: number, into: Set<string>): void {
  if (depth === 0) return;
  for (let i = 0; i < word.length; i++) {
    const d = word.slice(0, i) + word.slice(i + 1);
    if (!into.has(d)) {
      into.add(d);
      deletions(d, depth - 1, into);
    }
  }
}

const add = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) {
    if (!list.includes(v)) list.push(v);
  } else m.set(k, [v]);
};

const NONE: readonly number[] = [];

/** Slips a word of this length may carry and still be read as meant (0.5: a swap of two neighbours only). */
function slips(length: number): number {
  if (length >= 12) return 2;
  if (length >= 8) return 1;
  return length >= 5 ? 0.5 : 0;
}

const isSwap = (a: string, b: string) => {
  if (a.length !== b.length) return false;
  const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
};
const MAX_CACHE = 10_000;

/**
 * `endings`: pairs of word endings a language's writers mix up, read as the same ("d=t": Dutch "slaad" is "slaat",
 * "mishandeld" and "mishandelt" alike).
 */
export function buildWordIndex(words: readonly ListWord[], ordinary: ReadonlySet<string>, endings: readonly [string, string][] = []): WordIndex {
  const exact = new Map<string, number[]>();
  const fuzzy = new Map<string, number[]>();
  const prefixes = new Map<string, number[]>();
  const suffixes = new Map<string, number[]>();
  words.forEach((w, id) => {
    if (w.prefix) add(prefixes, w.text, id);
    else if (w.suffix) add(suffixes, w.text, id);
    else {
      add(exact, w.text, id);
      add(exact, undouble(w.text), id);
      const budget = Math.ceil(slips(w.text.length));
      if (budget > 0) {
        const ds = new Set<string>([w.text]);
        deletions(w.text, budget, ds);
        for (const d of ds) add(fuzzy, d, id);
      }
    }
  });
  const cache = new Map<string, readonly number[]>();

  function typos(token: string, into: Set<number>): void {
    if (ordinary.has(token) || slips(token.length) === 0) return;
    const ds = new Set<string>([token]);
    deletions(token, Math.ceil(slips(token.length)), ds);
    for (const d of ds) {
      for (const id of fuzzy.get(d) ?? NONE) {
        if (into.has(id)) continue;
        const w = words[id]!.text;
        // The list word's length decides: "geslagn" is one slip from "geslagen", "stopt" more than a swap from "stompt".
        const budget = slips(w.length);
        // A typo keeps the first letter in nearly every case; requiring it halves the false readings.
        if (w[0] !== token[0]) continue;
        if (budget === 0.5 ? isSwap(token, w) : budget >= 1 && editDistance(token, w, budget) <= budget) into.add(id);
      }
    }
  }

  function compute(token: string): readonly number[] {
    const ids = new Set<number>(exact.get(token) ?? exact.get(undouble(token)) ?? NONE);
    for (const [from, to] of endings) {
      if (ids.size === 0 && token.length > from.length + 2 && token.endsWith(from)) for (const id of exact.get(token.slice(0, -from.length) + to) ?? NONE) ids.add(id);
    }
    // Every beginning and ending of the token is looked up: the cost follows the token, not the lists.
    for (let k = 1; k <= token.length; k++) {
      for (const id of prefixes.get(token.slice(0, k)) ?? NONE) ids.add(id);
      for (const id of suffixes.get(token.slice(-k)) ?? NONE) ids.add(id);
    }
    if (ids.size === 0) typos(token, ids);
    return ids.size ? [...ids] : NONE;
  }

  return {
    lookup(token) {
      let ids = cache.get(token);
      if (!ids) {
        ids = compute(token);
        if (cache.size >= MAX_CACHE) cache.clear();
        cache.set(token, ids);
      }
      return ids;
    },
  };
}
