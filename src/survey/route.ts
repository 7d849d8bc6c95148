import type { Condition, Item, LoadedFlow } from './schema.js';

/**
 * Which items are asked, given the answers so far: an item with a `when` condition is asked only when the
 * earlier answer fits. Everything here is derived from the answers, so going back and changing an answer
 * re-routes the rest of the questionnaire without extra state.
 */

export type AnswerValues = Record<string, { v: number | string | null } | undefined>;

export function holds(cond: Omit<Condition, 'item'>, value: number | string | null | undefined): boolean {
  if (cond.answered !== undefined && cond.answered !== (value !== null && value !== undefined)) return false;
  if (cond.lte !== undefined && !(typeof value === 'number' && value <= cond.lte)) return false;
  if (cond.gte !== undefined && !(typeof value === 'number' && value >= cond.gte)) return false;
  if (cond.in !== undefined && !(value !== null && value !== undefined && cond.in.includes(value))) return false;
  return true;
}

export function applies(item: Item, answers: AnswerValues): boolean {
  return !item.when || holds(item.when, answers[item.when.item]?.v);
}

export function followUpApplies(item: Item, answers: AnswerValues): boolean {
  if (item.kind !== 'scale' || !item.followUp) return false;
  const a = answers[item.id];
  return a !== undefined && a.v !== null && (!item.followUp.when || holds(item.followUp.when, a.v));
}

/** The next asked item after `from` (-1 = before the first), or -1 when there is none. */
export function nextIndex(flow: LoadedFlow, answers: AnswerValues, from: number): number {
  for (let i = from + 1; i < flow.items.length; i++) if (applies(flow.items[i]!, answers)) return i;
  return -1;
}

export function prevIndex(flow: LoadedFlow, answers: AnswerValues, from: number): number {
  for (let i = Math.min(from, flow.items.length) - 1; i >= 0; i--) if (applies(flow.items[i]!, answers)) return i;
  return -1;
}

export function askedItems(flow: LoadedFlow, answers: AnswerValues): Item[] {
  return flow.items.filter((it) => applies(it, answers));
}

/** "Vraag n van of": position among the items asked with the current answers. */
export function progress(flow: LoadedFlow, answers: AnswerValues, cursor: number): { n: number; of: number } {
  let n = 0;
  let of = 0;
  flow.items.forEach((it, i) => {
    if (!applies(it, answers)) return;
    of++;
    if (i <= cursor) n++;
  });
  return { n, of };
}
