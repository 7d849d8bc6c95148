import type { SafetyModel } from '../survey/safety-model.js';
import { normalise, tokens } from './normalise.js';

/**
 * The safety net's second, statistical opinion: logistic regression over hashed character n-grams and words,
 * trained by `npm run safety:train` on the labelled corpus (scripts/safety-train.ts). Character n-grams see what
 * word lists miss: a typo ("geslagn"), a spelling nobody listed ("kzie"), a new compound ("kutpapa"), a phrase in
 * another order. The rules stay the first opinion; either one firing counts.
 *
 * Pure and small: the model is data (`locales/safety-model.json`, sparse weights, schema in survey/safety-model.ts), scoring reads at most
 * `MAX_CHARS` characters, and the cost is one hash per n-gram (well under a millisecond for 1,000 characters).
 */

export interface Classifier {
  /** Probability-like score in 0..1 that the text is a safety signal; `concepts` when the caller has them already. */
  score(text: string, concepts?: readonly string[]): number;
  fires(text: string, concepts?: readonly string[]): boolean;
}

export const MAX_CHARS = 2000;
/**
 * Fewer words than this and the classifier keeps quiet: a few words ("thuis", "leave me alone", a button's label)
 * are too little to judge by n-grams, and the short disclosures ("kms", "papa slaat mij") are the rules' to catch.
 */
export const MIN_WORDS = 4;

/** Concept names (and close pairs) of the rules' word classes in a text: the classifier's most general cues. */
export type ConceptsOf = (text: string) => string[];

/** FNV-1a, 32 bit: stable across runs and platforms, so a committed model means the same everywhere. */
function fnv1a(s: string, from = 0, to = s.length, h = 0x811c9dc5): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The hashed features of a text: the rules' concepts and their close pairs (so "family+hurt" learned from Dutch
 * texts also speaks for French and English ones), words, word pairs, and character n-grams of each word padded
 * with spaces. An n-gram's hash is extended one character at a time, so no substring is built.
 */
export function features(text: string, dims: number, [lo, hi]: readonly [number, number], concepts: readonly string[] = []): number[] {
  const words = tokens(normalise(text.slice(0, MAX_CHARS)).replace(/(\p{Extended_Pictographic})/gu, ' $1 '));
  const out = new Set<number>();
  const mask = dims - 1;
  for (const c of concepts) out.add(fnv1a(`c:${c}`) & mask);
  words.forEach((w, i) => {
    out.add(fnv1a(`w:${w}`) & mask);
    if (i > 0) out.add(fnv1a(`b:${words[i - 1]} ${w}`) & mask);
    const padded = ` ${w} `;
    for (let k = 0; k + lo <= padded.length; k++) {
      let h = fnv1a(padded, k, k + lo - 1);
      for (let n = lo; n <= hi && k + n <= padded.length; n++) {
        h = fnv1a(padded, k + n - 1, k + n, h);
        out.add(h & mask);
      }
    }
  });
  return [...out];
}

export const wordCount = (text: string) => tokens(normalise(text.slice(0, MAX_CHARS))).length;

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** `conceptsOf` is required when the model was trained with concepts (`model.concepts`). */
export function createClassifier(model: SafetyModel, conceptsOf?: ConceptsOf): Classifier {
  // Dense, so a feature's weight is one array read (2^18 buckets: 2 MB).
  const weights = new Float64Array(model.dims);
  for (const [k, v] of Object.entries(model.weights)) weights[Number(k)] = v;
  const score = (text: string, concepts?: readonly string[]) => {
    const cues = model.concepts ? (concepts ?? conceptsOf?.(text.slice(0, MAX_CHARS)) ?? []) : [];
    const f = features(text, model.dims, model.ngrams, cues);
    if (f.length === 0) return 0;
    // Features are scaled by 1/√n so a long text does not outvote a short one by length alone.
    const scale = 1 / Math.sqrt(f.length);
    let z = model.bias;
    for (const i of f) z += weights[i]! * scale;
    return sigmoid(z);
  };
  const fires = (text: string, concepts?: readonly string[]) => wordCount(text) >= MIN_WORDS && score(text, concepts) >= model.threshold;
  return { score, fires };
}
