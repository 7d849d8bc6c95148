import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/conversation/engine.js';
import { compileSignals, type SafetyLexicon } from '../../src/conversation/safety.js';
import { checkBank } from '../../src/survey/check.js';
import type { Bank } from '../../src/survey/load.js';
import { LOCALES, type AgeBand, type Locale } from '../../src/survey/schema.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';

let bank: Bank;
let engine: Engine;
beforeAll(() => ({ bank, engine } = loadTestBank()));

const SHIPPED = ['parent-checkin', 'parent-full', 'child-checkin', 'child-full'];
/** Turn budgets from docs/items.md at one answer per 5 s: parent-full ≤ 5 min (≤ 20 turns), child check-in ≤ 60 s (≤ 7). */
const MAX_TURNS: Record<string, number> = { 'parent-checkin': 8, 'parent-full': 20, 'child-checkin': 7, 'child-full': 12 };

/** Answers every question by pressing its first answer button (or typing, for open questions) and sends. */
function runToEnd(chat: Chat, lng: Locale): number {
  let turns = 0;
  while (chat.state!.value !== 'done' && turns < 60) {
    turns++;
    const ask = chat.ask!;
    if (ask === 'intro' || ask === 'review') chat.send({ kind: 'button', data: chat.buttons()[0]!.data });
    else if (ask.endsWith('+')) chat.say(lng === 'nl' ? 'omdat het beter gaat' : 'ok merci / thanks');
    else {
      const item = chat.flow.items[chat.flow.index.get(ask)!]!;
      if (item.kind === 'text') chat.say('het gaat goed zo');
      else chat.send({ kind: 'button', data: chat.buttons()[item.kind === 'scale' ? 6 % chat.flow.scales[item.scale]!.values.length : 0]!.data });
    }
  }
  return turns;
}

describe('the item bank', () => {
  it('passes flows:check (labels typed mean their value, no collisions)', () => {
    expect(checkBank(bank)).toEqual([]);
  });

  for (const id of SHIPPED) {
    it(`${id} runs to completion in every language and register within its turn budget`, () => {
      const flow = bank.flows.get(id)!;
      expect(flow.status).toBe('adapted');
      const bands: Array<AgeBand | null> = flow.audience.ageBands ?? [null];
      for (const lng of LOCALES) {
        for (const ageBand of bands) {
          const chat = new Chat(engine, flow);
          chat.open(checkin(flow, { locale: lng, ageBand }));
          const turns = runToEnd(chat, lng);
          expect(chat.state!.value, `${id} ${lng} ${ageBand}`).toBe('done');
          expect(turns).toBeLessThanOrEqual(MAX_TURNS[id]!);
          const r = chat.events.find((e) => e.type === 'response.completed');
          expect(r && 'response' in r && r.response.locale).toBe(lng);
          expect(chat.last.prompts.map((p) => p.text).join('')).not.toMatch(/\{\{|items:|scales:|flows:/);
        }
      }
    });
  }

  it('speaks to young children and teenagers differently', () => {
    const flow = bank.flows.get('child-checkin')!;
    const first = (ageBand: AgeBand) => {
      const chat = new Chat(engine, flow);
      chat.open(checkin(flow, { ageBand }));
      chat.press(/Start/);
      return chat.text;
    };
    expect(first('young')).not.toEqual(first('teen'));
  });
});

describe('the safety net on the labelled set', () => {
  for (const lng of LOCALES) {
    it(`fires on ≥ 95 % of signals and ≤ 5 % of ordinary texts (${lng})`, () => {
      const set = JSON.parse(readFileSync(`test/fixtures/safety/${lng}.json`, 'utf8')) as { signals: string[]; ordinary: string[] };
      expect(set.signals.length + set.ordinary.length).toBeGreaterThanOrEqual(60);
      const m = compileSignals(bank.resources[lng].safety as SafetyLexicon);
      const hit = set.signals.filter((s) => m.match(s).length > 0);
      const falseAlarms = set.ordinary.filter((s) => m.match(s).length > 0);
      const recall = hit.length / set.signals.length;
      const fpr = falseAlarms.length / set.ordinary.length;
      console.log(JSON.stringify({ lng, signals: set.signals.length, ordinary: set.ordinary.length, recall: +recall.toFixed(3), falseAlarmRate: +fpr.toFixed(3) }));
      expect(recall).toBeGreaterThanOrEqual(0.95);
      expect(fpr).toBeLessThanOrEqual(0.05);
    });
  }
});
