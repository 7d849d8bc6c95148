/**
 * Recall and false alarms of the safety net on labelled texts, as the engine runs it (rules or classifier).
 * Usage: `npm run safety:eval -- [file.jsonl …] [--show] [--each]`; default: every file in corpus/safety/;
 * `--each` also prints each opinion alone.
 * `--show` lists the misses and false alarms of training files, to tune on; it refuses held-out files (test,
 * fresh): their texts are never used to choose words, rules or thresholds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createClassifier } from '../src/conversation/safety-classifier.js';
import { compileDetector, type SafetyLexicon } from '../src/conversation/safety.js';
import { LOCALES } from '../src/survey/schema.js';
import { loadBank } from '../src/survey/load.js';

export interface Labelled {
  id: string;
  lng: string;
  label: 'signal' | 'ordinary';
  category?: string;
  kind?: string;
  text: string;
}

const CORPUS = 'corpus/safety';
export const isHeldOut = (file: string) => /^(test|fresh)/.test(basename(file));

export function readCorpus(file: string): Labelled[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Labelled);
}

interface Tally {
  n: number;
  fired: number;
}
const pct = (t: Tally) => (t.n ? `${((100 * t.fired) / t.n).toFixed(1)} % (${t.fired}/${t.n})` : '—');

export function evaluate(rows: readonly Labelled[], fires: (text: string) => boolean) {
  const by = new Map<string, Tally>();
  const bump = (key: string, fired: boolean) => {
    const t = by.get(key) ?? { n: 0, fired: 0 };
    t.n++;
    if (fired) t.fired++;
    by.set(key, t);
  };
  const wrong: Labelled[] = [];
  for (const r of rows) {
    const fired = fires(r.text);
    bump(`${r.lng} ${r.label}`, fired);
    bump(`${r.lng} ${r.label} ${r.label === 'signal' ? r.category : r.kind}`, fired);
    if (fired !== (r.label === 'signal')) wrong.push(r);
  }
  return { by, wrong };
}

function main(argv: string[]): void {
  const show = argv.includes('--show');
  const files = argv.filter((a) => !a.startsWith('--'));
  const list = files.length ? files : readdirSync(CORPUS).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(CORPUS, f));
  const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
  const lexicons = LOCALES.map((l) => bank.resources[l].safety as SafetyLexicon);
  const rules = compileDetector(lexicons);
  const classifier = bank.safetyModel && createClassifier(bank.safetyModel, rules.conceptsOf);
  const opinions = {
    rules,
    classifier: { match: (t: string) => (classifier?.fires(t) ? ['x'] : []) },
    both: compileDetector(lexicons, classifier && (() => classifier)),
  };
  for (const [opinion, detector] of Object.entries(opinions)) {
    if (opinion !== 'both' && !argv.includes('--each')) continue;
    const fires = (text: string) => detector.match(text).length > 0;
    for (const file of list) report(file, opinion, evaluate(readCorpus(file), fires), show && opinion === 'both');
  }
}

function report(file: string, opinion: string, { by, wrong }: ReturnType<typeof evaluate>, show: boolean): void {
  console.log(`\n${file} (${opinion === 'both' ? 'the safety net: rules or classifier' : opinion})`);
    for (const lng of LOCALES) {
      const s = by.get(`${lng} signal`);
      const o = by.get(`${lng} ordinary`);
      if (!s && !o) continue;
      console.log(`  ${lng}: recall ${pct(s ?? { n: 0, fired: 0 })}, false alarms ${pct(o ?? { n: 0, fired: 0 })}`);
      const parts = [...by.entries()].filter(([k]) => k.startsWith(`${lng} `) && k.split(' ').length === 3).sort(([a], [b]) => a.localeCompare(b));
      for (const [k, t] of parts) console.log(`      ${k.split(' ').slice(1).join(' ')}: ${pct(t)}`);
    }
    if (show) {
      if (isHeldOut(file)) console.log('  (held-out split: its texts are not shown)');
      else for (const r of wrong) console.log(`  ${r.label === 'signal' ? 'MISS' : 'FALSE'} ${r.id} ${r.category ?? r.kind}: ${r.text}`);
    }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
