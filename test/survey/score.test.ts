import { beforeAll, describe, expect, it } from 'vitest';
import type { Bank } from '../../src/survey/load.js';
import { normalisedScore, score } from '../../src/survey/score.js';
import type { LoadedFlow, ScaleItem } from '../../src/survey/schema.js';
import { loadTestBank } from '../support/engine.js';

let bank: Bank;
beforeAll(() => ({ bank } = loadTestBank()));

const a = (v: number | string | null) => ({ v });
const item = (flow: LoadedFlow, id: string) => flow.items[flow.index.get(id)!] as ScaleItem;

describe('scoring as docs/items.md says', () => {
  it('normalises to 0–100 and turns reverse items', () => {
    const f = bank.flows.get('fixture-club')!;
    expect(normalisedScore(f, item(f, 'f_often'), 0)).toBe(0);
    expect(normalisedScore(f, item(f, 'f_often'), 1)).toBe(33.33);
    expect(normalisedScore(f, item(f, 'f_often'), 3)).toBe(100);
    expect(normalisedScore(f, item(f, 'f_stress'), 1)).toBe(75); // reverse: (1-0)/4 = 25 → 75
    expect(normalisedScore(f, item(f, 'f_stress'), null)).toBeNull();
    const p = bank.flows.get('parent-full')!;
    expect(normalisedScore(p, item(p, 'p_heard'), 4)).toBe(75); // agree5: (4-1)/4
    expect(normalisedScore(p, item(p, 'p_useful'), 1)).toBe(0); // mark1to10
    expect(normalisedScore(p, item(p, 'p_safety_scale'), 7)).toBe(70);
  });

  it('reports answered/of and applies the 60 % rule per domain', () => {
    const p = bank.flows.get('parent-checkin')!;
    // parent-checkin fidelity: p_heard, p_transparent, p_worries_clear, p_next_steps_clear (4 items)
    const two = score(p, { p_heard: a(5), p_transparent: a(3), p_worries_clear: a(null), p_next_steps_clear: a(null) }, false);
    expect(two.domains.fidelity).toEqual({ score: null, answered: 2, of: 4 }); // 50 % < 60 %
    const three = score(p, { p_heard: a(5), p_transparent: a(3), p_worries_clear: a(1), p_next_steps_clear: a(null) }, false);
    expect(three.domains.fidelity).toEqual({ score: 50, answered: 3, of: 4 }); // (100 + 50 + 0) / 3
    expect(three.flags.lowFidelity).toBe(false); // 50 is not < 50
    const low = score(p, { p_heard: a(2), p_transparent: a(2), p_worries_clear: a(1), p_next_steps_clear: a(3) }, false);
    expect(low.domains.fidelity!.score).toBe(25); // (25 + 25 + 0 + 50) / 4
    expect(low.flags.lowFidelity).toBe(true);
  });

  it('flags a safety scale at or below 3 and a fired safety net', () => {
    const p = bank.flows.get('parent-checkin')!;
    expect(score(p, { p_safety_scale: a(3) }, false).flags.lowSafety).toBe(true);
    expect(score(p, { p_safety_scale: a(4) }, false).flags.lowSafety).toBe(false);
    expect(score(p, { p_safety_scale: a(null) }, false).flags.lowSafety).toBe(false);
    expect(score(p, {}, true).flags.safetyConcern).toBe(true);
    expect(score(p, {}, false).domains.safety).toEqual({ score: null, answered: 0, of: 1 });
  });

  it('counts only items that were asked (conditions)', () => {
    const f = bank.flows.get('fixture-club')!;
    const home = score(f, { f_often: a(3), f_stress: a(0), f_kind: a('home'), f_phone_ok: a(0), f_required: a(3) }, false);
    expect(home.domains.contact).toEqual({ score: 100, answered: 3, of: 3 }); // f_phone_ok not asked
    const phone = score(f, { f_often: a(3), f_stress: a(0), f_kind: a('phone'), f_phone_ok: a(0), f_required: a(3) }, false);
    expect(phone.domains.contact).toEqual({ score: 75, answered: 4, of: 4 });
  });
});
