import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/conversation/engine.js';
import type { Texts } from '../../src/i18n.js';
import type { Bank } from '../../src/survey/load.js';
import type { AgeBand, Locale } from '../../src/survey/schema.js';
import { checkAfterSignal } from '../support/after-signal.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';

/** What the respondent reads after the safety net fires, straight from the engine (prompts and events, no I/O). */

let bank: Bank;
let texts: Texts;
let engine: Engine;
beforeAll(() => ({ bank, texts, engine } = loadTestBank()));

const child = () => bank.flows.get('child-checkin')!;
const numbers = (chat: Chat) => chat.last.prompts.flatMap((p) => p.contacts ?? []).map((c) => c.number);

function childChat(locale: Locale, ageBand: AgeBand): { chat: Chat; t: (key: string, o?: Record<string, unknown>) => string } {
  const chat = new Chat(engine, child());
  chat.open(checkin(child(), { locale, ageBand }));
  const t = (key: string, o: Record<string, unknown> = {}) => texts.t(locale)(key, { context: ageBand, worker: texts.t(locale)('workerFallback', { context: ageBand }), ...o });
  return { chat, t };
}

describe('after a signal (engine)', () => {
  it('meets the channel contract: help first, a kind re-ask, a closing with the help lines and no 🌟', async () => {
    const { chat } = childChat('nl', 'young');
    await checkAfterSignal(async (lines) => lines.map((l) => chat.say(l).prompts.map((p) => p.text).join('\n')), texts);
  });

  it('re-asks kindly without the hint, even after two unreadable answers (fr, teen)', () => {
    const { chat, t } = childChat('fr', 'teen');
    chat.say('commencer');
    chat.say('blabla');
    chat.say('???');
    expect(chat.text).toContain(t('misunderstood.hint', { options: '' }).split(' :')[0]);
    chat.say('mon père me frappe');
    expect(chat.last.prompts.map((p) => p.kind)).toEqual(['help', 'message', 'question']);
    expect(chat.last.prompts[1]!.text).toBe(t('afterSignal.again'));
    expect(chat.ask).toBe('c_listened');
    expect(chat.text).not.toContain(t('misunderstood.again'));
    expect(chat.text).not.toContain(t('misunderstood.hint', { options: '' }).split(' :')[0]);
    expect(chat.last.events.map((e) => e.type)).toEqual(['safety.signal']);
  });

  it('records a valid answer that carries a signal, then goes on: help first, then the next question (nl and en)', () => {
    for (const [locale, text] of [['nl', 'Papa slaat me als ik iets vertel'], ['en', 'my dad hits me when I tell anyone']] as const) {
      const { chat, t } = childChat(locale, 'teen');
      chat.say(locale === 'nl' ? 'ja' : 'yes');
      for (const v of ['🙂', '🙂', '🙂', '10']) chat.say(v);
      expect(chat.ask).toBe('c_message');
      chat.say(text);
      expect(chat.last.prompts[0]!.kind).toBe('help');
      expect(chat.ask).toBe('review');
      expect(chat.text).not.toContain(t('afterSignal.again'));
      expect(chat.last.events.map((e) => e.type)).toEqual(['safety.signal', 'answer.recorded']);
      expect(chat.state!.context.answers.c_message!.v).toBe(text);
    }
  });

  it('closes after /stop with the help lines and what happens next, and nothing cheerful (fr, young)', () => {
    const { chat, t } = childChat('fr', 'young');
    chat.say('commencer');
    chat.say('je veux mourir');
    chat.say('/stop');
    chat.press(t('buttons.yesStop'));
    expect(chat.state!.value).toBe('stopped');
    expect(chat.last.prompts).toHaveLength(1);
    const closing = chat.last.prompts[0]!;
    expect(closing.text.split('\n').slice(0, 3)).toEqual([t('afterSignal.stopped'), t('afterSignal.next_worker'), t('safety:help.noLive')]);
    expect(closing.contacts!.map((c) => c.number)).toEqual(['112', '103', '0800 32 123', '102', '1712', '1813']);
    expect(closing.text).not.toContain(t('stop.nothing'));
    expect(closing.text).not.toMatch(/🌟|!/);
  });

  it('says the organisation is told when answers are only counted together (aggregate flow, en parent)', () => {
    const flow = bank.flows.get('fixture-club')!;
    expect(flow.intro.visibility).toBe('aggregate');
    const chat = new Chat(engine, flow);
    chat.open(checkin(flow, { locale: 'en' }));
    const t = texts.t('en');
    chat.say('start');
    for (const answer of ['sometimes', '1', 'home', 'often']) chat.say(answer);
    chat.say('2'); // a low safety scale: the safety net fires too
    chat.say('nothing');
    chat.say('send');
    expect(chat.state!.value).toBe('done');
    const closing = chat.last.prompts.at(-1)!;
    expect(closing.text).toContain(t('afterSignal.thanks'));
    expect(closing.text).toContain(t('afterSignal.next_aggregate', { worker: t('workerFallback') }));
    expect(closing.contacts!.map((c) => c.number)).toContain('106');
    expect(closing.text).not.toContain(t('done.thanks'));
  });

  it('keeps the usual thanks, 🌟 and all, when nothing fired', () => {
    const { chat, t } = childChat('nl', 'young');
    for (const line of ['ja', '🙂', '🙂', '🙂', '10', 'niks', 'verstuur']) chat.say(line);
    expect(chat.text).toBe(t('done.thanks'));
    expect(chat.text).toContain('🌟');
  });

  it('after the end, a signal gets help and what happens next, not "already filled in"', () => {
    const { chat, t } = childChat('nl', 'teen');
    for (const line of ['ja', '🙂', '🙂', '🙂', '10', 'niks', 'verstuur']) chat.say(line);
    chat.say('ik wil dood');
    expect(chat.last.prompts.map((p) => p.kind)).toEqual(['help', 'message']);
    expect(chat.last.prompts[1]!.text).toBe(t('afterSignal.next_worker'));
    expect(chat.last.events.map((e) => e.type)).toEqual(['safety.signal']);
  });

  it('shows the same help lines on /hulp at any time: intro, a question, after the end, without a check-in (nl, fr)', () => {
    const { chat } = childChat('nl', 'young');
    chat.say('papa slaat me');
    const lines = numbers(chat);
    expect(lines).toEqual(['112', '102', '1712', '1813']);
    chat.say('/hulp');
    expect(numbers(chat)).toEqual(lines);
    for (const line of ['ja', '🙂']) chat.say(line);
    chat.say('/help');
    expect(numbers(chat)).toEqual(lines);
    expect(chat.ask).toBe('c_explained');
    for (const line of ['🙂', '🙂', '10', 'niks', 'verstuur']) chat.say(line);
    chat.say('/hulp');
    expect(numbers(chat)).toEqual(lines);

    const fr = childChat('fr', 'teen').chat;
    fr.say('/aide');
    expect(fr.last.prompts[0]!.kind).toBe('help');
    expect(numbers(fr)).toEqual(['112', '103', '0800 32 123', '102', '1712', '1813']);

    const stranger = engine.step(child(), undefined, { kind: 'text', text: '/hulp' }, new Date());
    expect(stranger.state).toBeUndefined();
    expect(stranger.prompts.map((p) => p.kind)).toEqual(['help', 'message']);
    expect(stranger.prompts[0]!.contacts!.map((c) => c.number)).toEqual(lines);
  });
});
