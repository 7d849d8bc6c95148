import { itemTextKeys, type Bank } from '../../survey/load.js';
import type { Item, LoadedFlow } from '../../survey/schema.js';

/** The backend's pages are in English; the wording comes from the bot's own locale files. */
const LNG = 'en';

function text(bank: Bank, ns: 'items' | 'flows' | 'scales', key: string): string | undefined {
  const v = key.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown> | undefined)?.[part], bank.resources[LNG][ns]);
  return typeof v === 'string' ? v : undefined;
}

/** A flow's title (its first age band's, when it has registers), or its id when the bank no longer has it. */
export function flowTitle(bank: Bank, flowId: string): string {
  const flow = bank.flows.get(flowId);
  return (flow && text(bank, 'flows', itemTextKeys(flow, `${flowId}.title`)[0]!)) ?? flowId;
}

export function itemText(bank: Bank, flow: LoadedFlow, itemId: string): string {
  return text(bank, 'items', itemTextKeys(flow, itemId)[0]!) ?? itemId;
}

/** What a stored answer means in words: the scale's label for a value, the option's label for a choice. */
export function answerLabel(bank: Bank, item: Item, value: number | string): string {
  if (item.kind === 'scale') return text(bank, 'scales', `${item.scale}.values.${value}.label`) ?? String(value);
  if (item.kind === 'choice') return text(bank, 'items', `${item.id}_options.${value}.label`) ?? String(value);
  return String(value);
}

/** Every domain the flows score, in the order the flows name them (fidelity, safety, ownership, family, …). */
export function domainNames(bank: Bank): string[] {
  return [...new Set([...bank.flows.values()].flatMap((f) => f.scoring.domains))];
}
