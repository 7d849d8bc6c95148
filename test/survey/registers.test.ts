import { beforeAll, describe, expect, it } from 'vitest';
import type { Texts } from '../../src/i18n.js';
import type { Engine } from '../../src/conversation/engine.js';
import type { Bank } from '../../src/survey/load.js';
import type { AgeBand } from '../../src/survey/schema.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';

/**
 * Children are addressed with "tu" in French. Every text a child reads is looked up with the i18next context of
 * their age band (`foo_young`, `foo_teen`, falling back to `foo`), so a French text written for parents ("vous")
 * needs both variants — unless the code says it without the register, and then it has to be neutral.
 */

let bank: Bank;
let texts: Texts;
let engine: Engine;
beforeAll(() => ({ bank, texts, engine } = loadTestBank()));

const BANDS = ['young', 'teen'] as const;
/** "vous" forms: the pronoun and possessives, or a sentence opened by a verb in the vous imperative ("Tapez …"). */
const VOUS = /(?<![\p{L}-])(vous|votre|vos)(?![\p{L}-])|(?:^|[.!?:]\s+)(?!(?:chez|assez)\b)\p{L}+ez(?![\p{L}-])/iu;
const CONTEXT = /_(young|teen)(?=_(?:zero|one|two|few|many|other)$|$)/;
const PLACEHOLDER = /\{\{\s*([^}\s,]+)/g;

/**
 * Texts the code looks up without the register (no i18next context), so a child reads the base text: these must
 * not use "vous", and a variant would never be read. Where each one is said:
 */
const WITHOUT_REGISTER = [
  'intro.noCheckin', // no check-in yet (telegram.ts, Renderer.noCheckin)
  'invite.', // a link that could not be redeemed (telegram.ts, teams.ts, web.ts)
  'tryAgain', // channels, after a failed turn
  'onlyText', // Renderer.onlyText
  'telegram.', // channels/telegram/channel.ts, render.ts (command menu, groups, edited messages)
  'help.', // prompt.ts help(): "/aide" takes the language and band but not the context
  'delete.done', // runner.ts: the conversation is already gone
  'delete.alreadySent',
  'data.', // runner.ts dataPrompt ("/reponses")
  'answer.chosen', // channels/telegram/speaker.ts, channels/teams/speaker.ts
  'answer.textTooLong', // engine.ts
  'progress', // channels/teams/speaker.ts
];
const saidWithoutRegister = (key: string) => WITHOUT_REGISTER.some((p) => (p.endsWith('.') ? key.startsWith(p) : key === p || key.startsWith(`${p}_`)));

/** Leaf strings of a namespace by dotted key (arrays are word lists for reading input, never said). */
function leaves(obj: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (typeof v === 'string') out.set(key, v);
      else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
    }
  }
  return out;
}

const ns = (lng: 'nl' | 'fr' | 'en', name: string) => leaves(texts.resources[lng][name as 'common']);
const placeholders = (text: string) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();
const baseOf = (key: string) => key.replace(CONTEXT, '');

/** French texts a child can read: the common texts, the web pages, and Teams' words to a respondent. */
function childTexts(): Map<string, string> {
  const teams = new Map([...ns('fr', 'teams')].filter(([k]) => !k.startsWith('worker.')));
  return new Map([...ns('fr', 'common'), ...[...ns('fr', 'web')].map(([k, v]) => [`web:${k}`, v] as const), ...[...teams].map(([k, v]) => [`teams:${k}`, v] as const)]);
}

describe('French registers: "tu" for children', () => {
  it('a text said with the register that uses "vous" has a _young and a _teen variant', () => {
    const all = childTexts();
    const missing = [...all]
      .filter(([key, text]) => !key.includes(':') && !CONTEXT.test(key) && !saidWithoutRegister(key) && VOUS.test(text))
      .flatMap(([key]) => BANDS.map((band) => key.replace(/(_(?:zero|one|two|few|many|other))?$/, `_${band}$1`)).filter((v) => !all.has(v)));
    expect(missing).toEqual([]);
  });

  it('a text said without the register (no context) is neutral and has no variants', () => {
    const all = childTexts();
    const shown = [...all].filter(([key]) => key.includes(':') || saidWithoutRegister(baseOf(key)));
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.filter(([, text]) => VOUS.test(text)).map(([key]) => key)).toEqual([]);
    expect(shown.filter(([key]) => CONTEXT.test(key)).map(([key]) => key)).toEqual([]);
  });

  it('no child variant says "vous", and the help for children names no "vous" either', () => {
    const variants = [...childTexts()].filter(([key]) => CONTEXT.test(key));
    expect(variants.length).toBeGreaterThan(40);
    expect(variants.filter(([, text]) => VOUS.test(text)).map(([key]) => key)).toEqual([]);
    const safety = texts.resources.fr.safety as { help: Record<string, string>; contacts: Array<{ for?: string[]; what: string }> };
    const forChildren = [safety.help.intro_young!, safety.help.intro_teen!, safety.help.noLive!, ...safety.contacts.filter((c) => !c.for || c.for.some((b) => b !== 'parent')).map((c) => c.what)];
    expect(forChildren.filter((text) => VOUS.test(text))).toEqual([]);
  });

  it('a variant has the same placeholders as its base text, in every language', () => {
    const wrong: string[] = [];
    for (const lng of ['nl', 'fr', 'en'] as const) {
      for (const name of Object.keys(texts.resources[lng])) {
        const all = ns(lng, name);
        for (const [key, text] of all) {
          if (!CONTEXT.test(key)) continue;
          const base = all.get(baseOf(key)); // child-only item texts have no base: their bands may differ
          if (base !== undefined && placeholders(base).join() !== placeholders(text).join()) wrong.push(`${lng}/${name}:${key}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every _young/_teen variant in Dutch or English exists in French too', () => {
    const missing: string[] = [];
    for (const lng of ['nl', 'en'] as const) {
      for (const name of Object.keys(texts.resources[lng])) {
        const fr = ns('fr', name);
        for (const key of ns(lng, name).keys()) if (CONTEXT.test(key) && !fr.has(key)) missing.push(`${name}:${key} (${lng})`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe.each(BANDS)('a French %s child conversation through the engine', (band: AgeBand) => {
  it('reads "tu" from the intro to the end: item, misunderstood answers, commands, help, review, done', () => {
    const flow = bank.flows.get('child-checkin')!;
    const t = (key: string, o: Record<string, unknown> = {}) => texts.t('fr')(key, { context: band, ...o });
    const chat = new Chat(engine, flow);
    const read: string[] = [];
    const note = () => read.push(...chat.last.prompts.flatMap((p) => [p.text, ...(p.buttons?.flat().map((b) => b.label) ?? [])]));
    const act = (f: () => unknown) => {
      f();
      note();
    };

    act(() => chat.open(checkin(flow, { locale: 'fr', ageBand: band })));
    expect(chat.text).toContain(t('intro.commands'));
    act(() => chat.press(t('buttons.later')));
    expect(chat.text).toBe(t('intro.later'));
    act(() => chat.say('commencer'));
    expect(chat.ask).toBe(flow.items[0]!.id);
    act(() => chat.say('blabla'));
    expect(chat.text).toContain(t('misunderstood.again'));
    act(() => chat.say('???'));
    expect(chat.text).toContain(t('misunderstood.hint', { options: '' }).split(' :')[0]);
    act(() => chat.say('/aide'));
    expect(chat.last.prompts.some((p) => p.kind === 'help')).toBe(true);
    act(() => chat.say('/stop'));
    expect(chat.text).toContain(t('stop.confirm'));
    act(() => chat.press(t('buttons.noContinue')));
    act(() => chat.say('/effacer'));
    expect(chat.text).toContain(t('delete.confirm'));
    act(() => chat.press(t('buttons.noKeep')));
    act(() => chat.say('/langue'));
    expect(chat.text).toContain(t('languageMenu'));
    act(() => chat.press(t('buttons.back')));

    for (let i = 0; i < 10 && chat.ask !== 'review'; i++) {
      const item = flow.items.find((it) => it.id === chat.ask);
      if (item?.kind === 'text') act(() => chat.say('Merci pour tout.'));
      else act(() => chat.press(item?.kind === 'scale' && item.scale === 'scale0to10' ? '7' : /./));
    }
    expect(chat.ask).toBe('review');
    expect(chat.text).toContain(t('review.title'));
    act(() => chat.press(t('buttons.edit')));
    expect(chat.text).toContain(t('review.pickEdit'));
    act(() => chat.press(t('buttons.back')));
    act(() => chat.press(t('buttons.send')));
    expect(chat.state!.value).toBe('done');
    expect(chat.text).toContain(t('done.thanks'));
    act(() => chat.say('bonjour'));
    expect(chat.text).toBe(t('done.already'));

    const said = read.join('\n');
    expect(said).toMatch(/\btu\b/);
    expect(said.split('\n').filter((line) => VOUS.test(line))).toEqual([]);
  });
});
