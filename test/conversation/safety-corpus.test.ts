import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModel, rulesOfLocales, serialise, trainingTexts } from '../../scripts/safety-train.js';
import { evaluate, readCorpus } from '../../scripts/safety-eval.js';
import { createClassifier } from '../../src/conversation/safety-classifier.js';
import { compileDetector, type SafetyLexicon } from '../../src/conversation/safety.js';
import { loadBank } from '../../src/survey/load.js';
import { LOCALES } from '../../src/survey/schema.js';

const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
const lexicons = LOCALES.map((l) => bank.resources[l].safety as SafetyLexicon);
const net = compileDetector(lexicons, (d) => createClassifier(bank.safetyModel!, d.conceptsOf));

describe('the safety net on its frozen test split', () => {
  const file = 'corpus/safety/test.jsonl';

  it('is the split written before tuning, unchanged since (its SHA-256 is in corpus/safety/FROZEN)', () => {
    const frozen = readFileSync('corpus/safety/FROZEN', 'utf8').split(/\s+/)[0];
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(frozen);
  });

  const { by } = evaluate(readCorpus(file), (t) => net.match(t).length > 0);
  for (const lng of LOCALES) {
    it(`fires on ≥ 90 % of the signals and ≤ 5 % of the ordinary texts (${lng})`, () => {
      const signals = by.get(`${lng} signal`)!;
      const ordinary = by.get(`${lng} ordinary`)!;
      const recall = signals.fired / signals.n;
      const falseAlarms = ordinary.fired / ordinary.n;
      console.log(JSON.stringify({ split: 'test', lng, recall: +recall.toFixed(3), falseAlarms: +falseAlarms.toFixed(3) }));
      expect(signals.n).toBeGreaterThanOrEqual(50);
      expect(recall).toBeGreaterThanOrEqual(0.9);
      expect(falseAlarms).toBeLessThanOrEqual(0.05);
    });
  }
});

describe('the classifier', () => {
  it('never trains on the held-out texts', () => {
    const held = new Set(readCorpus('corpus/safety/test.jsonl').map((r) => r.text));
    const train = trainingTexts();
    expect(train.length).toBeGreaterThan(1000);
    expect(train.filter((r) => held.has(r.text))).toEqual([]);
  });

  it('is what npm run safety:train makes of the training texts and lists, byte for byte', () => {
    const model = buildModel(trainingTexts(), rulesOfLocales().conceptsOf);
    const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
    // Compared by hash: a 22,000-weight diff says nothing a reader can use. Run npm run safety:train to update.
    expect(sha(serialise(model))).toBe(sha(readFileSync('locales/safety-model.json')));
  }, 60_000);

  it('scores in 0..1, the same every time, and higher for a disclosure than for ordinary feedback', () => {
    const c = createClassifier(bank.safetyModel!, compileDetector(lexicons).conceptsOf);
    const signal = c.score('mijn stiefpapa klopt mij as ie zat is');
    const ordinary = c.score('het gesprek was fijn, tot volgende week');
    expect(signal).toBeGreaterThan(ordinary);
    expect(c.score('mijn stiefpapa klopt mij as ie zat is')).toBe(signal);
    expect(c.fires('thuis')).toBe(false);
    for (const s of [signal, ordinary, c.score(''), c.score('🙂'.repeat(3000))]) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('names what only it heard "unclassified", and stays silent where the rules already named a category', () => {
    const always = { score: () => 1, fires: () => true };
    const withAlways = compileDetector(lexicons, () => always);
    expect(withAlways.match('het was een fijn gesprek')).toEqual(['unclassified']);
    expect(withAlways.match('papa slaat mij')).toEqual(['violence']);
  });
});
