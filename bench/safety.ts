/**
 * The safety net's cost per text: p50/p99 µs for the rules, the classifier and both as the engine runs them, on
 * 1,000-character texts (long ordinary texts, long texts ending in a disclosure, and texts of unknown words that
 * miss every cache) and on short ones, in every language. Texts are built deterministically from the training
 * files. Prints one JSON line per figure.
 */
import { performance } from 'node:perf_hooks';
import { readCorpus } from '../scripts/safety-eval.js';
import { createClassifier } from '../src/conversation/safety-classifier.js';
import { compileDetector, type SafetyLexicon } from '../src/conversation/safety.js';
import { loadBank } from '../src/survey/load.js';
import { LOCALES } from '../src/survey/schema.js';

const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
const lexicons = LOCALES.map((l) => bank.resources[l].safety as SafetyLexicon);
const rules = compileDetector(lexicons);
const classifier = createClassifier(bank.safetyModel!, rules.conceptsOf);
const both = compileDetector(lexicons, () => classifier);

const emit = (figure: string, value: number, unit: string, extra: object = {}) =>
  console.log(JSON.stringify({ bench: 'safety', figure, value: +value.toFixed(1), unit, ...extra }));

/** A small seeded generator, so every run measures the same texts. */
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const texts = LOCALES.flatMap((lng) => readCorpus(`corpus/safety/train-${lng}.jsonl`));
const ordinary = texts.filter((t) => t.label === 'ordinary').map((t) => t.text);
const signals = texts.filter((t) => t.label === 'signal').map((t) => t.text);
const pick = (list: string[]) => list[Math.floor(rnd() * list.length)]!;
const fill = (end = '') => {
  let s = '';
  while (s.length + end.length < 1000) s += `${pick(ordinary)}. `;
  return (s + end).slice(-1000);
};
const word = () => Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
const unknown = () => Array.from({ length: 160 }, word).join(' ').slice(0, 1000);

const sets: Record<string, string[]> = {
  'long ordinary': Array.from({ length: 400 }, () => fill()),
  'long, disclosure at the end': Array.from({ length: 400 }, () => fill(pick(signals))),
  'long, unknown words': Array.from({ length: 400 }, unknown),
  short: Array.from({ length: 2000 }, () => pick(rnd() < 0.5 ? ordinary : signals)),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

for (const [opinion, d] of Object.entries({ rules, classifier: { match: (t: string) => (classifier.fires(t) ? ['x'] : []) }, both })) {
  for (const [name, list] of Object.entries(sets)) {
    for (const t of list.slice(0, 50)) d.match(t); // warm up
    const times = list.map((t) => {
      const s = performance.now();
      d.match(t);
      return (performance.now() - s) * 1000;
    });
    times.sort((a, b) => a - b);
    emit(`${opinion}: ${name} p50`, percentile(times, 50), 'µs', { texts: list.length });
    emit(`${opinion}: ${name} p99`, percentile(times, 99), 'µs', { texts: list.length });
  }
}
