import type { Resources } from '../survey/load.js';
import { LOCALES, type LoadedFlow, type Locale } from '../survey/schema.js';
import { normalise } from './normalise.js';

/**
 * The words a respondent may type, per language, read from the locale files once and normalised:
 * "ja", "jep", "👍", "weet ik niet", number words, each scale value's synonyms. Nothing is hard-coded.
 */

export const WORD_KINDS = ['yes', 'no', 'dontKnow', 'skip', 'back', 'start', 'later', 'send', 'edit', 'noComment', 'finishOld', 'startNew'] as const;
export type WordKind = (typeof WORD_KINDS)[number];
export const COMMANDS = ['help', 'language', 'back', 'stop', 'delete', 'answers', 'start'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Lexicon {
  words: Map<string, WordKind[]>;
  numbers: Map<string, number>;
  /** scale id → normalised synonym → value. */
  scales: Map<string, Map<string, number>>;
  /** choice item id → normalised synonym → option id. */
  options: Map<string, Map<string, string>>;
}

export interface Lexicons {
  byLocale: Record<Locale, Lexicon>;
  /** Commands in every language: "/hulp", "/help" and "/aide" all work whatever the current language. */
  commands: Map<string, Command>;
  /** Language names and codes in every language ("fr", "frans", "français") → locale. */
  languages: Map<string, Locale>;
}

type Dict = Record<string, unknown>;
const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const dict = (v: unknown): Dict => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Dict) : {});

/** Adds `word → value`, remembering collisions so `flows:check` can report them. */
function put<V>(map: Map<string, V>, word: string, value: V, collisions: string[], where: string): void {
  const key = normalise(word);
  if (!key) return;
  const prev = map.get(key);
  if (prev !== undefined && prev !== value) collisions.push(`${where}: "${word}" means both ${String(prev)} and ${String(value)}`);
  else map.set(key, value);
}

function scaleSynonyms(res: Resources, lng: Locale, scaleId: string, values: number[], numeric: boolean, numbers: Map<string, number>, collisions: string[]): Map<string, number> {
  const map = new Map<string, number>();
  const defs = dict(dict(res[lng].scales[scaleId]).values);
  const where = `locales/${lng}/scales.json: ${scaleId}`;
  for (const v of values) {
    const def = dict(defs[String(v)]);
    for (const w of [def.label, def.button, ...asList(def.synonyms)]) if (typeof w === 'string') put(map, w, v, collisions, where);
    if (numeric) put(map, String(v), v, collisions, where);
  }
  if (numeric) for (const [w, n] of numbers) if (values.includes(n) && !map.has(w)) map.set(w, n);
  return map;
}

export function buildLexicons(res: Resources, flows: Iterable<LoadedFlow>, collisions: string[] = []): Lexicons {
  const commands = new Map<string, Command>();
  const languages = new Map<string, Locale>();
  const byLocale = {} as Record<Locale, Lexicon>;
  const flowList = [...flows];
  for (const lng of LOCALES) {
    const common = res[lng].common;
    const words = new Map<string, WordKind[]>();
    for (const kind of WORD_KINDS) {
      for (const w of asList(dict(common.words)[kind])) {
        const key = normalise(w);
        if (key) words.set(key, [...(words.get(key) ?? []), kind]);
      }
    }
    const numbers = new Map<string, number>();
    for (const [n, list] of Object.entries(dict(common.numbers))) for (const w of asList(list)) numbers.set(normalise(w), Number(n));
    for (const c of COMMANDS) for (const w of asList(dict(common.commands)[c])) commands.set(normalise(w), c);
    for (const l of LOCALES) {
      languages.set(l, l);
      const name = dict(common.language)[l];
      if (typeof name === 'string') languages.set(normalise(name), l);
    }
    const scales = new Map<string, Map<string, number>>();
    const options = new Map<string, Map<string, string>>();
    for (const flow of flowList) {
      for (const [id, s] of Object.entries(flow.scales)) {
        if (!scales.has(id)) scales.set(id, scaleSynonyms(res, lng, id, s.values, s.type === 'numeric', numbers, collisions));
      }
      for (const item of flow.items) {
        if (item.kind !== 'choice' || options.has(item.id)) continue;
        const map = new Map<string, string>();
        const defs = dict(res[lng].items[`${item.id}_options`]);
        item.options.forEach((o, i) => {
          const def = dict(defs[o]);
          for (const w of [def.label, String(i + 1), ...asList(def.synonyms)]) if (typeof w === 'string') put(map, w, o, collisions, `locales/${lng}/items.json: ${item.id}_options`);
        });
        options.set(item.id, map);
      }
    }
    byLocale[lng] = { words, numbers, scales, options };
  }
  return { byLocale, commands, languages };
}
