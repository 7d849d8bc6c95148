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
  /** Probability-like score in 0..1 that the text is a safety signal. */
  score(text: string): number;
  fires(text: string): boolean;
}

export const MAX_CHARS = 2000;

/** FNV-1a, 32 bit: stable across runs and platforms, so a committed model means the same everywhere. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Concept names (and close pairs) of the rules' word classes in a text: the classifier's most general cues. */
export type ConceptsOf = (text: string) => string[];

/**
 * The hashed features of a text: the rules' concepts and their close pairs (so "family+hurt" learned from Dutch
 * texts also speaks for French and English ones), words, word pairs, and character n-grams of each word.
 */
export function features(text: string, dims: number, [lo, hi]: readonly [number, number], conceptsOf?: ConceptsOf): number[] {
  const cut = text.slice(0, MAX_CHARS);
  const words = tokens(normalise(cut).replace(/(\p{Extended_Pictographic})/gu, ' $1 '));
  const out = new Set<number>();
  const mask = dims - 1;
  for (const c of conceptsOf?.(cut) ?? []) out.add(fnv1a(`c:${c}`) & mask);
  words.forEach((w, i) => {
    out.add(fnv1a(`w:${w}`) & mask);
    if (i > 0) out.add(fnv1a(`b:${words[i - 1]} ${w}`) & mask);
    const padded = ` ${w} `;
    for (let n = lo; n <= hi; n++) for (let k = 0; k + n <= padded.length; k++) out.add(fnv1a(padded.slice(k, k + n)) & mask);
  });
  return [...out];
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** `conceptsOf` is required when the model was trained with concepts (`model.concepts`). */
export function createClassifier(model: SafetyModel, conceptsOf?: ConceptsOf): Classifier {
  const weights = new Map(Object.entries(model.weights).map(([k, v]) => [Number(k), v]));
  const cues = model.concepts ? conceptsOf : undefined;
  const score = (text: string) => {
    const f = features(text, model.dims, model.ngrams, cues);
    if (f.length === 0) return 0;
    // Features are scaled by 1/√n so a long text does not outvote a short one by length alone.
    const scale = 1 / Math.sqrt(f.length);
    let z = model.bias;
    for (const i of f) z += (weights.get(i) ?? 0) * scale;
    return sigmoid(z);
  };
  return { score, fires: (text) => score(text) >= model.threshold };
}
