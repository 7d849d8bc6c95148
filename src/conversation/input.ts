import type { Item, Locale, Scale } from '../survey/schema.js';
import type { Command, Lexicon, Lexicons, WordKind } from './lexicon.js';
import { editDistance, normalise, typoBudget } from './normalise.js';
import type { Intent } from './types.js';

/**
 * What did they mean? Turns a typed text or a pressed button into an `Intent`, given what the conversation
 * is waiting for. Typed answers work everywhere buttons do: "4", "vier", "ja", "🙂", "weet ik niet",
 * "sla over", with small typos forgiven. Pure: the same text in the same situation means the same thing.
 */

export type Expectation =
  | { kind: 'intro' }
  | { kind: 'item'; item: Item; scale?: Scale; followUp: boolean }
  | { kind: 'review' }
  | { kind: 'pickEdit'; max: number }
  | { kind: 'language' }
  | { kind: 'confirm' }
  | { kind: 'replace' }
  | { kind: 'closed' };

/* ---------- buttons ---------- */

const CODES: Record<string, Intent['type']> = {
  st: 'start', lt: 'later', lg: 'language', dk: 'dontKnow', sk: 'skip', bk: 'back', nc: 'noComment',
  sd: 'send', ed: 'edit', y: 'yes', n: 'no', h: 'help',
};
const CODE_OF = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<string, string>;

/** `rev|ask|code[:arg]` — at most 64 bytes with item ids of ≤ 40 characters. */
export function encodeButton(rev: number, ask: string, intent: Intent): string {
  switch (intent.type) {
    case 'answer':
      return `${rev}|${ask}|a:${intent.value}`;
    case 'setLanguage':
      return `${rev}|${ask}|L:${intent.lng}`;
    case 'edit':
      return `${rev}|${ask}|ed${intent.n === undefined ? '' : `:${intent.n}`}`;
    default:
      return `${rev}|${ask}|${CODE_OF[intent.type] ?? 'h'}`;
  }
}

export interface DecodedButton {
  rev: number;
  ask: string;
  code: string;
  arg: string | undefined;
}

export function decodeButton(data: string): DecodedButton | undefined {
  const m = /^(\d{1,9})\|([a-z0-9_+-]{1,48})\|([a-zA-Z]{1,2})(?::(.{1,48}))?$/.exec(data);
  if (!m) return undefined;
  return { rev: Number(m[1]), ask: m[2]!, code: m[3]!, arg: m[4] };
}

/** Maps a (fresh) button to an intent, validating its value against what is asked: forged data means nothing. */
export function buttonIntent(b: DecodedButton, expect: Expectation, locales: readonly Locale[]): Intent {
  if (b.code === 'a' && b.arg !== undefined) {
    const value = answerFromButton(b.arg, expect);
    return value === undefined ? { type: 'unknown' } : { type: 'answer', value };
  }
  if (b.code === 'L') return locales.includes(b.arg as Locale) ? { type: 'setLanguage', lng: b.arg as Locale } : { type: 'unknown' };
  if (b.code === 'ed' && b.arg !== undefined) return /^\d{1,3}$/.test(b.arg) ? { type: 'edit', n: Number(b.arg) } : { type: 'unknown' };
  const type = CODES[b.code];
  return type ? ({ type } as Intent) : { type: 'unknown' };
}

function answerFromButton(arg: string, expect: Expectation): number | string | undefined {
  if (expect.kind !== 'item' || expect.followUp) return undefined;
  const { item, scale } = expect;
  if (item.kind === 'scale' && scale) {
    const v = Number(arg);
    return scale.values.includes(v) ? v : undefined;
  }
  if (item.kind === 'choice') return item.options.includes(arg) ? arg : undefined;
  return undefined;
}

/* ---------- typed text ---------- */

const COMMAND_INTENT: Record<Command, Intent['type']> = {
  help: 'help', language: 'language', back: 'back', stop: 'stop', delete: 'delete', answers: 'data', start: 'start',
};

function fuzzy<V>(map: Map<string, V>, text: string): V | undefined {
  const budget = typoBudget(text);
  if (budget === 0) return undefined;
  let found: V | undefined;
  for (const [w, v] of map) {
    if (typoBudget(w) === 0 || editDistance(w, text, budget) > budget) continue;
    if (found !== undefined && found !== v) return undefined; // ambiguous: better to ask again
    found = v;
  }
  return found;
}

function wordKinds(lex: Lexicon, text: string): WordKind[] {
  return lex.words.get(text) ?? fuzzy(lex.words, text) ?? [];
}

/** "ik geef een 7" → 7; "3 of 4" is ambiguous → undefined. */
function numberIn(text: string, lex: Lexicon): number | undefined {
  const digits = [...new Set(text.match(/\d+/g) ?? [])];
  if (digits.length === 1) return Number(digits[0]);
  if (digits.length === 0) return lex.numbers.get(text);
  return undefined;
}

/** Emoji carry meaning on their own ("🙂🙂"): take them when they all point to one value. */
function emojiValue(map: Map<string, number>, text: string): number | undefined {
  const emoji = text.match(/\p{Extended_Pictographic}/gu);
  if (!emoji) return undefined;
  const values = new Set(emoji.map((e) => map.get(e)));
  if (values.size !== 1) return undefined;
  return [...values][0];
}

function commandIntent(raw: string, lexicons: Lexicons): Intent | undefined {
  const m = /^\/([\p{L}]+)(?:@\w+)?\s*(.*)$/u.exec(raw.trim());
  if (!m) return undefined;
  const cmd = lexicons.commands.get(normalise(m[1]!));
  if (!cmd) return { type: 'unknown' };
  const arg = normalise(m[2] ?? '');
  if (cmd === 'language' && arg) {
    const lng = lexicons.languages.get(arg);
    if (lng) return { type: 'setLanguage', lng };
  }
  return { type: COMMAND_INTENT[cmd] } as Intent;
}

function itemIntent(expect: Extract<Expectation, { kind: 'item' }>, raw: string, text: string, lex: Lexicon): Intent {
  const { item, scale, followUp } = expect;
  const kinds = wordKinds(lex, text);
  const open = followUp || item.kind === 'text';
  if (open) {
    if (lex.words.get(text)?.some((k) => k === 'back')) return { type: 'back' };
    if (kinds.some((k) => k === 'skip' || k === 'noComment' || k === 'dontKnow' || k === 'no')) return followUp ? { type: 'noComment' } : { type: 'skip' };
    return { type: 'answer', value: raw.trim() };
  }
  if (item.kind === 'choice') {
    const map = lex.options.get(item.id);
    const v = map?.get(text) ?? (map && fuzzy(map, text));
    if (v !== undefined) return { type: 'answer', value: v };
  } else if (scale) {
    const map = lex.scales.get(item.scale);
    const exact = map?.get(text);
    if (exact !== undefined) return { type: 'answer', value: exact };
    const special = specialWord(kinds);
    if (special) return special;
    const v = (map && fuzzy(map, text)) ?? (scale.type === 'numeric' ? numberIn(text, lex) : undefined) ?? (map && emojiValue(map, text));
    if (v !== undefined && scale.values.includes(v)) return { type: 'answer', value: v };
  }
  return specialWord(kinds) ?? { type: 'unknown' };
}

function specialWord(kinds: WordKind[]): Intent | undefined {
  for (const k of ['dontKnow', 'skip', 'back'] as const) if (kinds.includes(k)) return { type: k };
  return undefined;
}

function pick(kinds: WordKind[], table: Array<[WordKind, Intent]>): Intent | undefined {
  return table.find(([k]) => kinds.includes(k))?.[1];
}

export function textIntent(raw: string, expect: Expectation, lexicons: Lexicons, lng: Locale): Intent {
  const command = commandIntent(raw, lexicons);
  if (command) return command;
  const text = normalise(raw);
  if (!text) return { type: 'unknown' };
  const lex = lexicons.byLocale[lng];
  const bare = lexicons.commands.get(text);
  if (bare && bare !== 'back' && bare !== 'start') return { type: COMMAND_INTENT[bare] } as Intent;
  const kinds = wordKinds(lex, text);
  switch (expect.kind) {
    case 'item':
      return itemIntent(expect, raw, text, lex);
    case 'intro': {
      const lng2 = lexicons.languages.get(text);
      if (lng2) return { type: 'setLanguage', lng: lng2 };
      return pick(kinds, [['start', { type: 'start' }], ['yes', { type: 'start' }], ['later', { type: 'later' }], ['no', { type: 'later' }]]) ?? (bare === 'start' ? { type: 'start' } : { type: 'unknown' });
    }
    case 'review': {
      const edit = /^(.*?)\s*(\d{1,3})$/.exec(text);
      if (edit && (edit[1] === '' || wordKinds(lex, edit[1]!).includes('edit'))) return { type: 'edit', n: Number(edit[2]) };
      return pick(kinds, [['send', { type: 'send' }], ['yes', { type: 'send' }], ['edit', { type: 'edit' }], ['back', { type: 'back' }]]) ?? { type: 'unknown' };
    }
    case 'pickEdit': {
      const n = numberIn(text, lex);
      if (n !== undefined) return { type: 'edit', n };
      return pick(kinds, [['back', { type: 'back' }], ['no', { type: 'back' }]]) ?? { type: 'unknown' };
    }
    case 'language': {
      const l = lexicons.languages.get(text);
      if (l) return { type: 'setLanguage', lng: l };
      return pick(kinds, [['back', { type: 'back' }], ['no', { type: 'back' }]]) ?? { type: 'unknown' };
    }
    case 'confirm':
      return pick(kinds, [['yes', { type: 'yes' }], ['no', { type: 'no' }], ['back', { type: 'no' }]]) ?? { type: 'unknown' };
    case 'replace':
      return pick(kinds, [['startNew', { type: 'yes' }], ['finishOld', { type: 'no' }]]) ?? { type: 'unknown' };
    case 'closed':
      return { type: 'unknown' };
  }
}
