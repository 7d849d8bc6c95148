import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/conversation/engine.js';
import type { EngineEvent } from '../../src/conversation/types.js';
import type { Bank } from '../../src/survey/load.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';

let bank: Bank;
let engine: Engine;
beforeAll(() => ({ bank, engine } = loadTestBank()));

const flow = () => bank.flows.get('parent-checkin')!;
const ofType = <T extends EngineEvent['type']>(chat: Chat, type: T) => chat.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

/** Starts the flow and answers every item with "weet ik niet" up to the review. */
function toReview(chat: Chat): void {
  chat.say('start');
  for (let i = 0; i < 20 && chat.ask !== 'review'; i++) chat.press('Weet ik niet');
  expect(chat.ask).toBe('review');
}

/** A parent-checkin whose check-in wants follow-ups, answered and sent: the consent question is open. */
function sentWithConsentAsked(): Chat {
  const chat = new Chat(engine, flow());
  chat.open(checkin(flow(), { askFollowUp: true }));
  toReview(chat);
  chat.press('Verstuur');
  return chat;
}

describe('consent to follow-ups at the end of a questionnaire', () => {
  it('is not asked when the caller gave no respondentRef: the response is sent and the conversation is done', () => {
    const chat = new Chat(engine, flow());
    chat.open(checkin(flow()));
    toReview(chat);
    chat.press('Verstuur');
    expect(chat.state!.value).toBe('done');
    expect(chat.text).not.toContain('Mogen we je later');
    expect(ofType(chat, 'followup.consent')).toHaveLength(0);
  });

  it('sends the response first, then asks; "yes" gives consent once and closes', () => {
    const chat = sentWithConsentAsked();
    expect(ofType(chat, 'response.completed')).toHaveLength(1);
    expect(chat.state!.value).toBe('consent');
    expect(chat.text).toContain('Bedankt! Je antwoorden zijn verstuurd.');
    expect(chat.text).toContain('Mogen we je later nog eens vragen');
    expect(chat.buttons().map((b) => b.label)).toEqual(['Ja, dat mag', 'Nee, liever niet']);

    chat.press('Ja, dat mag');
    expect(chat.state!.value).toBe('done');
    expect(ofType(chat, 'followup.consent')).toEqual([{ type: 'followup.consent', checkinId: 'chk_test1', given: true }]);
    expect(chat.text).toContain('krijg je die hier');
    chat.say('ja');
    expect(ofType(chat, 'followup.consent')).toHaveLength(1);
    expect(ofType(chat, 'response.completed')).toHaveLength(1);
  });

  it('reads a typed "nee" and /stop as a refusal, re-asks what it cannot read', () => {
    for (const answer of ['nee', '/stop']) {
      const chat = sentWithConsentAsked();
      chat.say('misschien later ofzo');
      expect(chat.state!.value).toBe('consent');
      expect(chat.text).toContain('Mogen we je later');
      chat.say(answer);
      expect(chat.state!.value).toBe('done');
      expect(ofType(chat, 'followup.consent').map((e) => e.given)).toEqual([false]);
      expect(chat.text).toContain('Een nieuwe link kan je altijd aan je begeleider vragen.');
    }
  });

  it('never turns the sent response into a partial when it expires while consent is open', () => {
    const chat = sentWithConsentAsked();
    chat.send({ kind: 'timer', timer: 'expire' });
    expect(chat.state!.value).toBe('done');
    expect(ofType(chat, 'response.partial')).toHaveLength(0);
    expect(ofType(chat, 'followup.consent')).toHaveLength(0);
  });

  it('lets a new check-in start afresh while consent is still open (no "finish the old one" question)', () => {
    const chat = sentWithConsentAsked();
    chat.open(checkin(flow(), { id: 'chk_test2' }));
    expect(chat.state!.value).toBe('intro');
    expect(chat.state!.context.checkin.id).toBe('chk_test2');
    expect(ofType(chat, 'checkin.replace')).toHaveLength(0);
  });

  it('asks children in their register, in every language', () => {
    const child = bank.flows.get('child-checkin')!;
    const texts: Record<string, RegExp> = { nl: /Mogen we je later/, fr: /on peut te demander plus tard/, en: /May we ask you again later/ };
    for (const [locale, re] of Object.entries(texts)) {
      const chat = new Chat(engine, child);
      chat.open(checkin(child, { askFollowUp: true, ageBand: 'young', locale: locale as 'nl' }));
      chat.say('start');
      for (let i = 0; i < 20 && chat.ask !== 'review'; i++) chat.send({ kind: 'button', data: chat.buttons().find((b) => b.data.endsWith('|sk'))!.data });
      chat.send({ kind: 'button', data: chat.buttons()[0]!.data });
      expect(chat.state!.value).toBe('consent');
      expect(chat.text).toMatch(re);
    }
  });
});
