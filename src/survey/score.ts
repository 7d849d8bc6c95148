import type { LoadedFlow, ScaleItem } from './schema.js';
import { applies, type AnswerValues } from './route.js';

/**
 * Scoring exactly as docs/items.md says: each answered scale item is normalised to 0–100 (reverse items
 * turned), "don't know" and skipped count as missing, a domain score is the mean of its answered items and
 * is null below the flow's minimum answered share; flags follow the flow's thresholds.
 */

export interface DomainResult {
  score: number | null;
  answered: number;
  of: number;
}

export interface ScoreResult {
  /** Normalised score per item id (null = missing or unscored). */
  items: Record<string, number | null>;
  domains: Record<string, DomainResult>;
  flags: Record<string, boolean> & { lowSafety: boolean; safetyConcern: boolean; lowFidelity: boolean };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function normalisedScore(flow: LoadedFlow, item: ScaleItem, value: number | string | null | undefined): number | null {
  if (typeof value !== 'number') return null;
  const values = flow.scales[item.scale]!.values;
  const min = values[0]!;
  const max = values[values.length - 1]!;
  const s = ((value - min) / (max - min)) * 100;
  return round2(item.reverse ? 100 - s : s);
}

export function score(flow: LoadedFlow, answers: AnswerValues, safetyNetFired: boolean): ScoreResult {
  const items: Record<string, number | null> = {};
  const sums: Record<string, { sum: number; answered: number; of: number }> = {};
  for (const d of flow.scoring.domains) sums[d] = { sum: 0, answered: 0, of: 0 };
  for (const item of flow.items) {
    if (item.kind !== 'scale') continue;
    const asked = applies(item, answers);
    const s = asked ? normalisedScore(flow, item, answers[item.id]?.v) : null;
    items[item.id] = s;
    const d = item.domain && sums[item.domain];
    if (!d || !asked) continue;
    d.of++;
    if (s !== null) {
      d.answered++;
      d.sum += s;
    }
  }
  const domains: Record<string, DomainResult> = {};
  for (const [name, d] of Object.entries(sums)) {
    const enough = d.of > 0 && d.answered / d.of >= flow.scoring.minAnsweredShare - 1e-9;
    domains[name] = { score: enough ? round2(d.sum / d.answered) : null, answered: d.answered, of: d.of };
  }
  const flags = { lowSafety: false, safetyConcern: false, lowFidelity: false } as ScoreResult['flags'];
  for (const [name, flag] of Object.entries(flow.scoring.flags)) {
    if (flag.type === 'safetyNet') flags[name] = safetyNetFired;
    else if (flag.type === 'domainBelow') {
      const s = domains[flag.domain]?.score;
      flags[name] = s !== null && s !== undefined && s < flag.below;
    } else {
      flags[name] = flow.items.some((it) => {
        const v = answers[it.id]?.v;
        return it.kind === 'scale' && it.domain === flag.domain && applies(it, answers) && typeof v === 'number' && v <= flag.atMost;
      });
    }
  }
  return { items, domains, flags };
}

/** The threshold at or below which a safety-scale answer brings the safety net's help (from the flow's flags). */
export function safetyThreshold(flow: LoadedFlow, item: ScaleItem): number | undefined {
  for (const flag of Object.values(flow.scoring.flags)) {
    if (flag.type === 'itemAtMost' && flag.domain === item.domain) return flag.atMost;
  }
  return undefined;
}
