/**
 * Trains the safety net's classifier (src/conversation/safety-classifier.ts) on the training texts and writes
 * `locales/safety-model.json`. Usage: `npm run safety:train` (add `--check` to only print the cross-validated
 * figures). Deterministic: the texts are sorted by id, shuffled with a seeded generator, and the weights rounded,
 * so the same texts give a byte-identical model.
 *
 * Never reads the held-out files (`corpus/safety/test.jsonl`, `fresh*.jsonl`).
 *
 * Why logistic regression written here: over 2^18 hashed features the well-kept JS libraries do not fit —
 * ml-logistic-regression trains on dense matrices (2^18 columns × 1,000 texts ≈ 2 GB of doubles) and natural's
 * classifiers count words, not character n-grams. The loop below is plain AdaGrad with L2 on sparse features.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_CHARS, MIN_WORDS, features, sigmoid, wordCount, type ConceptsOf } from '../src/conversation/safety-classifier.js';
import { compileDetector, type SafetyLexicon } from '../src/conversation/safety.js';
import { LOCALES } from '../src/survey/schema.js';
import { loadBank } from '../src/survey/load.js';
import type { SafetyModel } from '../src/survey/safety-model.js';
import { isHeldOut, readCorpus, type Labelled } from './safety-eval.js';

const DIMS = 1 << 18;
const NGRAMS: [number, number] = [2, 5];
const EPOCHS = Number(process.env.EP ?? 25);
const RATE = Number(process.env.RATE ?? 0.4);
const L2 = Number(process.env.L2 ?? 2e-6);
const FOLDS = 5;
/** The false-alarm rate on ordinary training texts (out of fold) the threshold may reach: the rules add their own. */
const MAX_FALSE_ALARMS = 0.03;
const MODEL_FILE = 'locales/safety-model.json';

/** mulberry32: a small seeded generator, so shuffles are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Example {
  x: number[];
  y: number;
}

function train(examples: readonly Example[], seed: number): { w: Float64Array; b: number } {
  const w = new Float64Array(DIMS);
  const g = new Float64Array(DIMS).fill(1e-8);
  let b = 0;
  let gb = 1e-8;
  const positives = examples.filter((e) => e.y === 1).length;
  // Balanced classes: a missed signal and a false alarm weigh the same in total.
  const weightOf = (y: number) => (y === 1 ? examples.length / (2 * positives) : examples.length / (2 * (examples.length - positives)));
  const order = examples.map((_, i) => i);
  const rnd = random(seed);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const k of order) {
      const { x, y } = examples[k]!;
      const scale = 1 / Math.sqrt(x.length);
      let z = b;
      for (const i of x) z += w[i]! * scale;
      const err = (sigmoid(z) - y) * weightOf(y);
      for (const i of x) {
        const grad = err * scale + L2 * w[i]!;
        g[i]! += grad * grad;
        w[i]! -= (RATE * grad) / Math.sqrt(g[i]!);
      }
      gb += err * err;
      b -= (RATE * err) / Math.sqrt(gb);
    }
  }
  return { w, b };
}

const scoreWith = (m: { w: Float64Array; b: number }, x: readonly number[]) => {
  const scale = 1 / Math.sqrt(x.length || 1);
  let z = m.b;
  for (const i of x) z += m.w[i]! * scale;
  return sigmoid(z);
};

/**
 * Training texts: every corpus file that is not held out, and the older labelled set in test/fixtures/safety —
 * less any text that also occurs in a held-out file ("nee", "ok bye"), so no held-out text is ever learnt.
 */
export function trainingTexts(): Labelled[] {
  const dir = 'corpus/safety';
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  const heldOut = new Set(files.filter(isHeldOut).flatMap((f) => readCorpus(join(dir, f)).map((r) => r.text)));
  const rows = files.filter((f) => !isHeldOut(f)).flatMap((f) => readCorpus(join(dir, f)));
  for (const lng of ['nl', 'fr', 'en']) {
    const set = JSON.parse(readFileSync(`test/fixtures/safety/${lng}.json`, 'utf8')) as { signals: string[]; ordinary: string[] };
    set.signals.forEach((text, i) => rows.push({ id: `${lng}-legacy-s-${i}`, lng, label: 'signal', text }));
    set.ordinary.forEach((text, i) => rows.push({ id: `${lng}-legacy-o-${i}`, lng, label: 'ordinary', text }));
  }
  return rows.filter((r) => !heldOut.has(r.text)).sort((a, b) => a.id.localeCompare(b.id));
}

export function buildModel(rows: readonly Labelled[], conceptsOf: ConceptsOf, log: (line: string) => void = () => {}): SafetyModel {
  const examples = rows.map((r) => ({ x: features(r.text, DIMS, NGRAMS, conceptsOf(r.text.slice(0, MAX_CHARS))), y: r.label === 'signal' ? 1 : 0 }));
  // As at run time: a text of fewer than MIN_WORDS words never fires the classifier.
  const judged = rows.map((r) => wordCount(r.text) >= MIN_WORDS);
  // Out-of-fold scores: each text scored by a model that never saw it.
  const oof = new Array<number>(examples.length);
  for (let f = 0; f < FOLDS; f++) {
    const m = train(examples.filter((_, i) => i % FOLDS !== f), 17 + f);
    examples.forEach((e, i) => {
      if (i % FOLDS === f) oof[i] = scoreWith(m, e.x);
    });
  }
  const langs = [...new Set(rows.map((r) => r.lng))].sort();
  const at = (t: number) =>
    langs.map((lng) => {
      const idx = rows.map((r, i) => (r.lng === lng ? i : -1)).filter((i) => i >= 0);
      const sig = idx.filter((i) => examples[i]!.y === 1);
      const ord = idx.filter((i) => examples[i]!.y === 0);
      const fires = (i: number) => judged[i]! && oof[i]! >= t;
      return { lng, recall: sig.filter(fires).length / sig.length, falseAlarms: ord.filter(fires).length / ord.length };
    });
  // For recall: the lowest threshold whose false alarms stay within bounds in every language.
  let threshold = 0.5;
  for (let t = 0.05; t <= 0.95; t += 0.01) {
    if (at(t).every((l) => l.falseAlarms <= MAX_FALSE_ALARMS)) {
      threshold = Math.round(t * 100) / 100;
      break;
    }
  }
  for (const l of at(threshold)) log(`out of fold, ${l.lng}: recall ${(100 * l.recall).toFixed(1)} %, false alarms ${(100 * l.falseAlarms).toFixed(1)} %`);
  const final = train(examples, 7);
  const weights: Record<string, number> = {};
  final.w.forEach((v, i) => {
    const r = Math.round(v * 1000) / 1000;
    if (r !== 0) weights[String(i)] = r;
  });
  return { version: 1, dims: DIMS, ngrams: NGRAMS, concepts: true, bias: Math.round(final.b * 1000) / 1000, threshold, weights };
}

export const serialise = (m: SafetyModel) => `${JSON.stringify(m)}\n`;

/** The rules as the repository's locales define them: the classifier's concepts come from these lists. */
export function rulesOfLocales() {
  const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
  return compileDetector(LOCALES.map((l) => bank.resources[l].safety as SafetyLexicon));
}

function main(argv: string[]): void {
  const rows = trainingTexts();
  console.log(`training on ${rows.length} texts (${rows.filter((r) => r.label === 'signal').length} signals)`);
  const model = buildModel(rows, rulesOfLocales().conceptsOf, (l) => console.log(l));
  console.log(`threshold ${model.threshold}, ${Object.keys(model.weights).length} weights`);
  if (argv.includes('--check')) return;
  writeFileSync(MODEL_FILE, serialise(model));
  console.log(`wrote ${MODEL_FILE}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
