/**
 * Engine alone (pure `step()`): answered items per second on one core, p50/p99 per step, and the cost at
 * item 1 versus item 20 of a long flow — the cost must not grow with position. Prints one JSON line per figure.
 */
import { performance } from 'node:perf_hooks';
import { createEngine } from '../src/conversation/engine.js';
import type { Snapshot } from '../src/conversation/types.js';
import { createTexts } from '../src/i18n.js';
import { loadBank } from '../src/survey/load.js';
import { Flow, type LoadedFlow } from '../src/survey/schema.js';

const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
const engine = createEngine(bank, createTexts(bank.resources));
const emit = (figure: string, value: number, unit: string, extra: object = {}) =>
  console.log(JSON.stringify({ bench: 'engine', figure, value: +value.toFixed(3), unit, ...extra }));

/** A long flow (30 agree5 items) built like a loaded one; its texts fall back to keys, which costs the same. */
function longFlow(n: number): LoadedFlow {
  const base = bank.flows.get('parent-full')!;
  const file = Flow.parse({
    id: 'bench-long', version: 1, status: 'adapted', sources: ['bench'], audience: { role: 'parent' },
    intro: { visibility: 'worker', minutes: 5 },
    items: Array.from({ length: n }, (_, i) => ({ id: `b_${i}`, kind: 'scale', scale: 'agree5', domain: 'fidelity' })),
    scoring: { domains: ['fidelity'], flags: { lowFidelity: { type: 'domainBelow', domain: 'fidelity', below: 50 } } },
  });
  return { ...file, scales: base.scales, hash: base.hash, index: new Map(file.items.map((it, i) => [it.id, i])) };
}

const checkin = (flow: LoadedFlow) => ({
  id: 'chk_bench', flow: flow.id, caseRef: null, role: 'parent' as const, ageBand: null, worker: null, pseudonym: 'p', channel: 'bench', locale: 'nl' as const,
});

function at(flow: LoadedFlow, position: number): Snapshot {
  let s = engine.step(flow, undefined, { kind: 'open', checkin: checkin(flow) }, new Date(0)).state!;
  s = engine.step(flow, s, { kind: 'text', text: 'start' }, new Date(1)).state!;
  for (let i = 1; i < position; i++) s = engine.step(flow, s, { kind: 'text', text: '4' }, new Date(2 + i)).state!;
  return s;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Times answering the item at `position` (typed "4", then a button press) many times from the same state. */
function measure(flow: LoadedFlow, position: number, runs: number) {
  const s = at(flow, position);
  const data = engine.step(flow, s, { kind: 'unsupported' }, new Date(0)).prompts.find((p) => p.buttons)!.buttons![0]![3]!.data;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    engine.step(flow, s, i % 2 ? { kind: 'text', text: '4' } : { kind: 'button', data }, new Date(1e9 + i));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

const long = longFlow(30);
measure(long, 1, 3000); // warm up the JIT
const first = measure(long, 1, 20000);
const twentieth = measure(long, 20, 20000);
emit('step p50 at item 1', first.p50 * 1000, 'µs');
emit('step p99 at item 1', first.p99 * 1000, 'µs');
emit('step p50 at item 20', twentieth.p50 * 1000, 'µs');
emit('step p99 at item 20', twentieth.p99 * 1000, 'µs');
emit('item 20 / item 1 (mean)', twentieth.mean / first.mean, 'ratio');
emit('steps per second (one core, mean at item 1)', 1000 / first.mean, 'steps/s');

// Whole questionnaires, one core: parent-full answered end to end by typed answers.
const flow = bank.flows.get('parent-full')!;
let answered = 0;
const t0 = performance.now();
while (performance.now() - t0 < 3000) {
  let s = engine.step(flow, undefined, { kind: 'open', checkin: checkin(flow) }, new Date(0)).state!;
  s = engine.step(flow, s, { kind: 'text', text: 'ja' }, new Date(1)).state!;
  while (s.value === 'asking') {
    const item = flow.items[s.context.cursor]!;
    s = engine.step(flow, s, { kind: 'text', text: s.context.followUp || item.kind === 'text' ? 'het gaat beter' : '4' }, new Date(2)).state!;
    answered++;
  }
  engine.step(flow, s, { kind: 'text', text: 'verstuur' }, new Date(3));
}
emit('answered items per second (parent-full, one core)', answered / ((performance.now() - t0) / 1000), 'items/s');
