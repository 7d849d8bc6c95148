import { normalise, tokens } from './normalise.js';
import type { Classifier } from './safety-classifier.js';
import { buildWordIndex, parseWord, type ListWord } from './safety-words.js';

/**
 * The safety net's rules: concepts combined in any order. Everything it knows lives per language in
 * `locales/<lng>/safety.json`, never in code:
 * - `spellings` and `emoji`: "from=to" lines read before matching ("nie=niet", "kzen=ik ben", "j'=je", "🔪=mes");
 * - `concepts`: word classes ("home", "hurt", "fear"), each a list of words or short phrases; a word may end in `*`
 *   (any ending) or start with `*` (any beginning), and longer words match with a typo or two;
 * - `ordinary`: real words that look like typos of list words and must not be read as them ("slaapt");
 * - `rules`: per category, concept names that must all occur within `window` words (or `@n`) of each other, in any order
 *   ("someone hurt me" matches "papa slaat mij", "slaat papa mij", "mijn papa heeft mij geslagen"); `!name` is a
 *   concept that must not occur within the window ("ik ga dood !van de honger").
 * It errs towards firing: a false alarm shows a help number; a miss leaves a child alone. A second, statistical
 * opinion (safety-classifier.ts) catches what no rule foresaw; either one firing counts.
 */
export interface SafetyLexicon {
  /** Function words only this language uses ("het", "niet"; "the", "and"; "les", "pas"): see compileDetector. */
  markers?: string[];
  spellings?: string[];
  /** "from=to" word endings writers mix up ("d=t"): a word ending in one is also read with the other. */
  endings?: string[];
  emoji?: string[];
  ordinary?: string[];
  concepts?: Record<string, string[]>;
  rules?: Record<string, string[]>;
  window?: number;
}

export interface SignalMatcher {
  /** Categories whose rules hold in `text`, in list order; empty when none. */
  match(text: string): string[];
}

/** One language's reading of a text, found once and asked twice. */
interface Reading {
  /** Categories whose rules hold, in list order. */
  categories(): string[];
  /** The concepts in the text, and pairs of them within the window ("family+hurt"): the classifier's cues. */
  concepts(): string[];
}

interface LanguageMatcher extends SignalMatcher {
  /** A text already through `prepare` (done once for every language), read by this language's lists. */
  read(words: readonly string[]): Reading;
  /** Whether the text has any of this language's own function words. */
  speaks(words: readonly string[]): boolean;
}

const DEFAULT_WINDOW = 8;
/** Gap allowed between the words of one phrase ("wil echt heel graag dood"). */
const MAX_GAP = 2;

type Spellings = ReadonlyMap<string, string[]>;

/** The first index of an ascending list whose value is at least `v` (binary search: places are kept sorted). */
function firstAtLeast(list: readonly number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `"nie=niet"` lines (a list, so languages need not share keys) as a lookup. */
export function spellingsOf(lines: readonly string[]): Spellings {
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    out.set(normalise(line.slice(0, at)), tokens(normalise(line.slice(at + 1))));
  }
  return out;
}

/** Emoji are words of their own, wherever they were typed ("ik🔪" → "ik 🔪"). */
const spaceEmoji = (s: string) => s.replace(/(\p{Extended_Pictographic})/gu, ' $1 ');

function respell(toks: readonly string[], spellings: Spellings): string[] {
  const out: string[] = [];
  for (const t of toks) {
    const whole = spellings.get(t);
    if (whole) {
      out.push(...whole);
      continue;
    }
    // Elisions: "j'ai" → "j'" + "ai" when the list spells "j'" out; "don't" stays one word.
    const cut = t.indexOf("'");
    const head = cut > 0 && cut < t.length - 1 ? spellings.get(t.slice(0, cut + 1)) : undefined;
    if (head) out.push(...head, ...respell([t.slice(cut + 1)], spellings));
    else out.push(t);
  }
  return out;
}

/** A text's words, normalised, emoji apart: what every language's rules start from. */
const prepare = (text: string): string[] => tokens(spaceEmoji(normalise(text)));

/** A text as one language's rules read it: prepared, then its spoken and SMS spellings written out. */
export function readText(text: string, spellings: Spellings): string[] {
  return respell(prepare(text), spellings);
}

interface Rule {
  all: number[];
  none: number[];
  window: number;
}

export function compileSignals(lexicon: SafetyLexicon): LanguageMatcher {
  const spellings = spellingsOf([...(lexicon.spellings ?? []), ...(lexicon.emoji ?? [])]);
  const window = lexicon.window ?? DEFAULT_WINDOW;
  const words: ListWord[] = [];
  const wordIds = new Map<string, number>();
  const wordId = (raw: string): number => {
    let id = wordIds.get(raw);
    if (id === undefined) {
      wordIds.set(raw, (id = words.length));
      words.push(parseWord(raw));
    }
    return id;
  };
  /** A list entry as word ids; list entries get the same spellings as texts, so a list may use either form. */
  const phrase = (raw: string): number[] =>
    raw
      .trim()
      .split(/\s+/)
      .flatMap((w) => {
        const star = w.startsWith('*') ? '*' : '';
        const end = w.length > 1 && w.endsWith('*') ? '*' : '';
        const core = normalise(w.slice(star.length, w.length - end.length));
        const toks = star || end ? tokens(core) : respell(tokens(core), spellings);
        return toks.map((t, i) => wordId((i === 0 ? star : '') + t + (i === toks.length - 1 ? end : '')));
      });

  const conceptNames = Object.keys(lexicon.concepts ?? {});
  const concepts = conceptNames.map((name) => (lexicon.concepts![name] ?? []).map(phrase).filter((p) => p.length > 0));
  const conceptIndex = new Map(conceptNames.map((n, i) => [n, i]));
  const ref = (name: string): number => {
    const i = conceptIndex.get(name);
    if (i === undefined) throw new Error(`safety rules: unknown concept "${name}"`);
    return i;
  };
  const categories = Object.entries(lexicon.rules ?? {}).map(([category, rules]) => ({
    category,
    rules: rules.map((r): Rule => {
      const parts = r.trim().split(/\s+/);
      const size = parts.find((p) => p.startsWith('@'));
      const names = parts.filter((p) => p !== size);
      return {
        all: names.filter((p) => !p.startsWith('!')).map(ref),
        none: names.filter((p) => p.startsWith('!')).map((p) => ref(p.slice(1))),
        window: size ? Number(size.slice(1)) : window,
      };
    }),
  }));
  const endings = (lexicon.endings ?? []).map((e) => e.split('=') as [string, string]);
  const index = buildWordIndex(words, new Set((lexicon.ordinary ?? []).map((w) => normalise(w))), endings);

  /** Where each concept occurs in the text: the position of its entry's first word, ascending. */
  function locate(toks: readonly string[]): number[][] {
    const at = new Map<number, number[]>();
    toks.forEach((t, pos) => {
      for (const id of index.lookup(t)) {
        const list = at.get(id);
        if (list) list.push(pos);
        else at.set(id, [pos]);
      }
    });
    /** Where the phrase's last word is, when its words follow from `from` on; -1 when they do not. */
    const end = (p: readonly number[], k: number, start: number): number => {
      if (k === p.length) return start - 1;
      const list = at.get(p[k]!) ?? [];
      for (let i = firstAtLeast(list, start); i < list.length && list[i]! <= start + MAX_GAP; i++) {
        const e = end(p, k + 1, list[i]! + 1);
        if (e >= 0) return e;
      }
      return -1;
    };
    return concepts.map((entries) => {
      const spans: [number, number][] = [];
      for (const p of entries) for (const pos of at.get(p[0]!) ?? []) {
        const e = end(p, 1, pos + 1);
        if (e >= 0) spans.push([pos, e]);
      }
      // One mention is one place: "de vriend van mama" is one person, not also "mama".
      spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      const found: number[] = [];
      let covered = -1;
      for (const [start, stop] of spans) {
        if (start <= covered) continue;
        found.push(start);
        covered = stop;
      }
      return found;
    });
  }

  const near = (list: readonly number[], lo: number, hi: number) => {
    const i = firstAtLeast(list, lo);
    return i < list.length && list[i]! <= hi;
  };

  function holds(rule: Rule, where: readonly number[][]): boolean {
    const { all } = rule;
    for (const c of all) if (where[c]!.length === 0) return false;
    let anchors = where[all[0]!]!;
    for (const c of all) if (where[c]!.length < anchors.length) anchors = where[c]!;
    const chosen = new Array<number>(all.length);
    for (const a of anchors) {
      let lo = a;
      let hi = a;
      let ok = true;
      for (let k = 0; k < all.length && ok; k++) {
        let best = -1;
        // Only the places within the window are looked at: a word typed 300 times costs no more than once.
        const list = where[all[k]!]!;
        for (let i = firstAtLeast(list, a - rule.window); i < list.length && list[i]! <= a + rule.window; i++) {
          const p = list[i]!;
          if (best >= 0 && Math.abs(p - a) >= Math.abs(best - a)) continue;
          // A concept named twice ("family hurt family") needs two different places.
          let taken = false;
          for (let j = 0; j < k; j++) if (all[j] === all[k] && chosen[j] === p) taken = true;
          if (!taken) best = p;
        }
        if (best < 0) ok = false;
        chosen[k] = best;
        lo = Math.min(lo, best);
        hi = Math.max(hi, best);
      }
      // An excluding concept counts within the window around the words the rule matched (never less than the
      // language's window: a tight rule still hears "...on a piece of paper").
      const reach = Math.max(rule.window, window);
      if (ok && !rule.none.some((c) => near(where[c]!, lo - reach, hi + reach))) return true;
    }
    return false;
  }

  /** Whether two sorted lists of places have a pair within the window: one walk along both. */
  const close = (xs: readonly number[], ys: readonly number[]) => {
    let i = 0;
    let j = 0;
    while (i < xs.length && j < ys.length) {
      if (Math.abs(xs[i]! - ys[j]!) <= window) return true;
      if (xs[i]! < ys[j]!) i++;
      else j++;
    }
    return false;
  };

  function read(words: readonly string[]): Reading {
    const where = locate(respell(words, spellings));
    return {
      categories: () => categories.filter((c) => c.rules.some((r) => holds(r, where))).map((c) => c.category),
      concepts() {
        const present = where.flatMap((list, c) => (list.length ? [c] : []));
        const out = present.map((c) => conceptNames[c]!);
        for (const a of present)
          for (const b of present)
            if (a < b && close(where[a]!, where[b]!)) out.push(`${conceptNames[a]}+${conceptNames[b]}`);
        return out;
      },
    };
  }
  const markers = new Set((lexicon.markers ?? []).map((m) => normalise(m)));
  return { read, match: (text) => read(prepare(text)).categories(), speaks: (words) => words.some((w) => markers.has(w)) };
}

/**
 * The safety net as the engine runs it: the rules of every language the text is written in, categories in
 * first-seen order. A language counts when the text has one of its own function words (`markers`), so Dutch "die"
 * is not read as English "die" nor French "mes" as Dutch "mes"; a text with no function word at all ("papa slaat",
 * "kms") goes through every language. Mixed texts go through each language they mix.
 */
export interface Detector extends SignalMatcher {
  /** The concepts (and close pairs) the text's languages find in it, shared names across languages. */
  conceptsOf(text: string): string[];
}

export function compileDetector(lexicons: readonly SafetyLexicon[], opinion?: (detector: Detector) => Classifier): Detector {
  const matchers = lexicons.map(compileSignals);
  const spokenIn = (words: readonly string[]) => {
    const spoken = matchers.filter((m) => m.speaks(words));
    return spoken.length ? spoken : matchers;
  };
  const readings = (text: string) => {
    const words = prepare(text);
    return spokenIn(words).map((m) => m.read(words));
  };
  const conceptsIn = (rs: readonly Reading[]) => [...new Set(rs.flatMap((r) => r.concepts()))];
  let classifier: Classifier | undefined;
  const detector: Detector = {
    conceptsOf: (text) => conceptsIn(readings(text)),
    match(text) {
      const rs = readings(text);
      const found = new Set(rs.flatMap((r) => r.categories()));
      // The second opinion names no category of its own: what it hears is "unclassified".
      if (found.size === 0 && classifier?.fires(text, conceptsIn(rs))) found.add(UNCLASSIFIED);
      return [...found];
    },
  };
  classifier = opinion?.(detector);
  return detector;
}

/** The category of a signal only the classifier heard. */
export const UNCLASSIFIED = 'unclassified';
