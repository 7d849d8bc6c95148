import { editDistance, normalise, tokens, typoBudget } from './normalise.js';

/**
 * The safety net's detector. Signal phrases live in `locales/<lng>/safety.json` (never in code), grouped by
 * category (self-harm, violence, abuse, fear at home, running away). A phrase is a few words:
 * - a word ending in `*` matches any word starting with it ("slaa*" → "slaat", "slaan");
 * - other words match exactly, or with a typo or two in longer words ("zelfmoord" ~ "zelfmord");
 * - the words must come in order, with at most two other words between them ("ik wil echt dood").
 * It errs towards firing: a false alarm shows a help number; a miss leaves a child alone.
 */

interface Word {
  text: string;
  prefix: boolean;
  budget: number;
}
type Phrase = Word[];

export interface SignalMatcher {
  /** Categories whose phrases occur in `text`, in list order; empty when none. */
  match(text: string): string[];
}

const MAX_GAP = 2;

/**
 * Spoken and SMS spellings written out ("nie" → "niet", "jveux" → "je veux", "dont" → "don't"), per language as
 * data (`spellings` in safety.json), applied to the text and to the phrases alike so either may use either form.
 */
type Spellings = Record<string, string>;

/** `"nie=niet"` lines (a list, so languages need not share keys) as a lookup. */
export const spellingsOf = (lines: string[]): Spellings =>
  Object.fromEntries(lines.map((l) => l.split('=')).map(([from, to]) => [normalise(from!), normalise(to ?? '')]));
const respell = (toks: string[], spellings: Spellings): string[] => toks.flatMap((t) => spellings[t]?.split(' ') ?? [t]);

function compilePhrase(raw: string, spellings: Spellings): Phrase {
  return raw
    .trim()
    .split(/\s+/)
    .flatMap((w) => {
      const prefix = w.endsWith('*');
      const toks = tokens(normalise(prefix ? w.slice(0, -1) : w));
      return (prefix ? toks : respell(toks, spellings)).map((text, i, all) => {
        const isPrefix = prefix && i === all.length - 1;
        return { text, prefix: isPrefix, budget: isPrefix ? 0 : typoBudget(text) };
      });
    });
}

function wordMatches(w: Word, token: string): boolean {
  if (w.prefix) return token.startsWith(w.text);
  if (token === w.text) return true;
  return w.budget > 0 && editDistance(token, w.text, w.budget) <= w.budget;
}

function phraseMatches(phrase: Phrase, toks: string[], start: number, from: number): boolean {
  if (start === phrase.length) return true;
  const last = start === 0 ? toks.length - 1 : Math.min(toks.length - 1, from + MAX_GAP);
  for (let i = from; i <= last; i++) {
    if (wordMatches(phrase[start]!, toks[i]!) && phraseMatches(phrase, toks, start + 1, i + 1)) return true;
  }
  return false;
}

export function compileSignals(lists: Record<string, string[]>, spellings: Spellings = {}): SignalMatcher {
  const compiled = Object.entries(lists).map(([category, phrases]) => ({
    category,
    phrases: phrases.map((p) => compilePhrase(p, spellings)),
  }));
  return {
    match(text) {
      const toks = respell(tokens(normalise(text)), spellings);
      if (toks.length === 0) return [];
      return compiled.filter((c) => c.phrases.some((p) => p.length > 0 && phraseMatches(p, toks, 0, 0))).map((c) => c.category);
    },
  };
}
