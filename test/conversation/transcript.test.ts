import { beforeAll, describe, expect, it } from 'vitest';
import type { ResponseDocument } from '../../src/survey/payload.js';
import type { Engine } from '../../src/conversation/engine.js';
import type { Bank } from '../../src/survey/load.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';

let bank: Bank;
let engine: Engine;
beforeAll(() => ({ bank, engine } = loadTestBank()));

const fixture = () => bank.flows.get('fixture-club')!;
const completed = (chat: Chat): ResponseDocument => {
  const e = chat.events.find((x) => x.type === 'response.completed' || x.type === 'response.partial');
  if (!e || !('response' in e)) throw new Error('no response emitted');
  return e.response;
};

describe('a conversation by typed answers (fixture instrument, Dutch)', () => {
  it('reads typos, number words and labels, re-asks kindly, hints after the second miss, goes back, reviews and sends', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    expect(chat.text).toContain('Een testvragenlijst.');
    expect(chat.text).toContain('Niemand leest live mee.');
    expect(chat.ask).toBe('intro');

    chat.say('ja');
    expect(chat.ask).toBe('f_often');
    expect(chat.text).toContain('Vraag 1 van 6');

    chat.say('blabla');
    expect(chat.text).toContain('Sorry, dat begreep ik niet');
    expect(chat.text).not.toContain('Je kan antwoorden met');
    expect(chat.ask).toBe('f_often');
    chat.say('???');
    expect(chat.text).toContain('Je kan antwoorden met: nooit, soms, vaak, altijd');

    chat.say('Vaak!');
    expect(chat.state!.context.answers.f_often!.v).toBe(2);
    expect(chat.text).toContain('Vraag 2 van 6');

    chat.say('drie'); // ≥ 3 brings the follow-up
    expect(chat.ask).toBe('f_stress+');
    chat.say('het is veel');
    expect(chat.ask).toBe('f_kind');

    chat.say('telefoon'); // the condition adds an item
    expect(chat.ask).toBe('f_phone_ok');
    expect(chat.text).toContain('Vraag 4 van 7');
    chat.say('/terug');
    expect(chat.ask).toBe('f_kind');
    chat.press('thuis');
    expect(chat.ask).toBe('f_required');
    expect(chat.text).toContain('Vraag 4 van 6');

    chat.say('sla over');
    expect(chat.text).toContain('Deze vraag kan je niet overslaan');
    expect(chat.ask).toBe('f_required');
    chat.say('altyd'); // one typo in "altijd"
    expect(chat.state!.context.answers.f_required!.v).toBe(3);

    chat.say('ik geef een 7');
    expect(chat.ask).toBe('f_note');
    chat.say('weet ik niet');
    expect(chat.ask).toBe('review');
    expect(chat.text).toContain('Dit zijn je antwoorden:');
    expect(chat.text).toMatch(/1\. Hoe vaak zie je de begeleider\? → vaak/);

    chat.say('pas aan 1');
    expect(chat.ask).toBe('f_often');
    chat.press('nooit');
    expect(chat.ask).toBe('review'); // editing returns to the review
    expect(chat.text).toMatch(/1\. Hoe vaak zie je de begeleider\? → nooit/);

    chat.say('verstuur');
    expect(chat.state!.value).toBe('done');
    expect(chat.text).toContain('Bedankt!');
    const r = completed(chat);
    expect(r.answers.map((a) => [a.item, a.value, a.score, a.label])).toEqual([
      ['f_often', 0, 0, 'nooit'],
      ['f_stress', 3, 25, '3'],
      ['f_kind', 'home', null, 'thuis'],
      ['f_required', 3, 100, 'altijd'],
      ['f_safe', 7, 70, '7'],
      ['f_note', null, null, 'overgeslagen'],
    ]);
    expect(r.answers[1]!.comment).toBe('het is veel');
    expect(r.scores.contact).toEqual({ score: 41.67, answered: 3, of: 3 });
    expect(r.flags).toEqual({ lowSafety: false, safetyConcern: false, lowFidelity: true });
    expect(r.flow).toMatchObject({ id: 'fixture-club', version: 2 });
    expect(r.flow.hash).toMatch(/^sha256:[0-9a-f]{64}$/);

    chat.say('hallo?');
    expect(chat.text).toContain('al ingevuld');
    expect(chat.events.filter((e) => e.type === 'response.completed')).toHaveLength(1);
  });
});

describe('buttons, stale taps, language switch and stop', () => {
  it('ignores an old button, switches language without losing answers, and sends a partial on stop', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.press('Start');
    const first = chat.buttons().find((b) => b.label === 'soms')!;
    chat.send({ kind: 'button', data: first.data });
    expect(chat.ask).toBe('f_stress');
    const rev = chat.state!.context.rev;

    chat.send({ kind: 'button', data: first.data }); // double tap / old message
    expect(chat.last.prompts).toHaveLength(1);
    expect(chat.last.prompts[0]!.kind).toBe('notice');
    expect(chat.state!.context.rev).toBe(rev);
    expect(chat.state!.context.answers.f_often!.v).toBe(1);

    chat.send({ kind: 'button', data: '999|f_often|a:99' }); // forged
    expect(chat.state!.context.answers.f_often!.v).toBe(1);

    chat.say('/taal');
    chat.press('English');
    expect(chat.ask).toBe('f_stress');
    expect(chat.text).toContain('How much stress does the support give you?');
    expect(chat.state!.context.answers.f_often!.v).toBe(1);
    chat.say('two');
    expect(chat.ask).toBe('f_kind');

    chat.say('/stop');
    expect(chat.ask).toBe('confirmstop');
    chat.say('yes');
    expect(chat.state!.value).toBe('stopped');
    const r = completed(chat);
    expect(r.type).toBe('response.partial');
    expect(r.locale).toBe('en');
    expect(r.answers.map((a) => a.item)).toEqual(['f_often', 'f_stress']);
    expect(r.answers[0]!.label).toBe('sometimes'); // the label in the language of the response
  });

  it('asks before stopping and carries on after "no"', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.say('start');
    chat.say('stop');
    chat.press('Nee, ga verder');
    expect(chat.ask).toBe('f_often');
    expect(chat.text).toContain('we gaan verder');
  });

  it('shows help with the help lines and re-asks the same question', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.say('start');
    chat.say('/hulp');
    expect(chat.last.prompts[0]!.kind).toBe('help');
    expect(chat.last.prompts[0]!.contacts!.map((c) => c.number)).toContain('112');
    expect(chat.ask).toBe('f_often');
  });

  it('deletes the conversation after a confirmation', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.say('start');
    chat.say('soms');
    chat.say('/wis');
    expect(chat.text).toContain('Wil je alles wissen');
    chat.press('Ja, wis alles');
    expect(chat.state).toBeUndefined();
    expect(chat.last.events).toEqual([{ type: 'data.delete', pseudonym: 'psd_test' }]);
  });

  it('answers a stranger without a check-in kindly, and changes nothing', () => {
    const r = engine.step(fixture(), undefined, { kind: 'text', text: 'hallo' }, new Date());
    expect(r.state).toBeUndefined();
    expect(r.prompts[0]!.text).toContain('uitnodiging');
  });

  it('recognises a second check-in and lets the respondent choose', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.say('start');
    chat.open(checkin(fixture(), { id: 'chk_other' }));
    expect(chat.ask).toBe('replace');
    chat.press('Nieuwe beginnen');
    expect(chat.last.events.map((e) => e.type)).toContain('checkin.replace');
  });
});

describe('the safety net', () => {
  it('shows help first, in the same turn, and carries on with the questionnaire', () => {
    const flow = bank.flows.get('child-checkin')!;
    const chat = new Chat(engine, flow);
    chat.open(checkin(flow, { ageBand: 'young' }));
    chat.press('Start');
    const ask = chat.ask;
    chat.say('papa slaat me');
    expect(chat.last.prompts[0]!.kind).toBe('help');
    expect(chat.last.prompts[0]!.text).toMatch(/102/);
    expect(chat.ask).toBe(ask);
    const signal = chat.last.events.find((e) => e.type === 'safety.signal');
    expect(signal).toBeDefined();
    expect(JSON.stringify(signal)).not.toContain('papa');
  });

  it('fires on a low safety scale and sets the flags', () => {
    const chat = new Chat(engine, fixture());
    chat.open(checkin(fixture()));
    chat.say('start');
    for (const answer of ['soms', '1', 'thuis', 'vaak']) chat.say(answer);
    expect(chat.ask).toBe('f_safe');
    chat.say('2');
    expect(chat.last.prompts[0]!.kind).toBe('help');
    expect(chat.ask).toBe('f_note');
    chat.say('niks');
    chat.say('verstuur');
    const r = completed(chat);
    expect(r.flags.lowSafety).toBe(true);
    expect(r.flags.safetyConcern).toBe(true);
  });
});
