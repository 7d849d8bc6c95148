import { describe, expect, it } from 'vitest';
import { blocksOf, commandsAsWords, toMessages, withEcho, type Outgoing } from '../../../src/channels/whatsapp/render.js';
import type { Button, Prompt } from '../../../src/conversation/types.js';
import { LOCALES } from '../../../src/survey/schema.js';
import { Chat, checkin, loadTestBank } from '../../support/engine.js';
import { limitProblem } from '../../support/fake-graph-api.js';

/**
 * The renderer on its own: every prompt of every shipped flow, in every language and register, walked by the engine,
 * must become messages WhatsApp accepts (the fake Graph API's limit check), with every button still there.
 */

const { bank, engine, texts } = loadTestBank();
const words = (lng: (typeof LOCALES)[number]) => ({ choose: texts.t(lng)('whatsapp:choose'), more: texts.t(lng)('whatsapp:more') });
const buttons = (n: number, label = (i: number) => String(i)): Button[] => Array.from({ length: n }, (_, i) => ({ label: label(i), data: `3|q|a:${i}` }));
const choices = (ms: Outgoing[]) => ms.flatMap((m) => {
  if (m.type !== 'interactive') return [];
  const i = m.interactive;
  return i.type === 'button' ? i.action.buttons.map((b) => b.reply.id) : i.action.sections.flatMap((s) => s.rows.map((r) => r.id));
});

describe('WhatsApp renderer: blocks', () => {
  it('joins rows into reply buttons while every row fits them, else packs lists of ten', () => {
    expect(blocksOf([buttons(2), buttons(1)]).map((b) => b.length)).toEqual([3]);
    expect(blocksOf([buttons(3), buttons(3)]).map((b) => b.length)).toEqual([3, 3]);
    expect(blocksOf([buttons(5), buttons(3)]).map((b) => b.length)).toEqual([8]);
    expect(blocksOf([buttons(6), buttons(5), buttons(3)]).map((b) => b.length)).toEqual([6, 8]);
    expect(blocksOf([buttons(23)]).map((b) => b.length)).toEqual([10, 10, 3]);
    // A title over 20 characters cannot be a reply button: a list of two instead.
    expect(blocksOf([buttons(2, (i) => (i ? 'No, don\'t delete' : 'Yes, delete everything'))]).map((b) => b.length)).toEqual([2]);
  });

  it('cuts a row title over 24 characters and keeps the whole label as its description', () => {
    const [m] = toMessages({ kind: 'question', text: 'Q', buttons: [buttons(4, (i) => `${'Een heel lang antwoord'} nummer ${i}`)] }, words('nl'));
    expect(limitProblem({ messaging_product: 'whatsapp', to: '1', ...m })).toBeUndefined();
    const row = m!.type === 'interactive' && m!.interactive.type === 'list' ? m!.interactive.action.sections[0]!.rows[0] : undefined;
    expect(row).toEqual({ id: '3|q|a:0', title: 'Een heel lang antwoord …', description: 'Een heel lang antwoord nummer 0' });
  });

  it('a long text goes first as text messages; the buttons ride on its last piece', () => {
    const text = `${'lang verhaal '.repeat(200)}einde`;
    const ms = toMessages({ kind: 'question', text, buttons: [buttons(2)] }, words('nl'));
    expect(ms.map((m) => m.type)).toEqual(['text', 'text', 'interactive']);
    for (const m of ms) expect(limitProblem({ messaging_product: 'whatsapp', to: '1', ...m })).toBeUndefined();
  });
});

describe('WhatsApp renderer: words and echo', () => {
  const isCommand = (w: string) => ['stop', 'terug', 'wis'].includes(w);
  it('shows known commands as words to type, leaves other slashes alone', () => {
    expect(commandsAsWords('Typ /stop om te stoppen, /terug of (/wis).', isCommand)).toBe('Typ *stop* om te stoppen, *terug* of (*wis*).');
    expect(commandsAsWords('en/of /onbekend http://x.be/stop', isCommand)).toBe('en/of /onbekend http://x.be/stop');
  });

  it('puts the echo above the first prompt, or alone', () => {
    const q: Prompt = { kind: 'question', text: 'Vraag 2', ask: 'b', rev: 3 };
    expect(withEcho([q], 'Je antwoord: ja')).toEqual([{ ...q, text: 'Je antwoord: ja\n\nVraag 2' }]);
    expect(withEcho([], 'Je antwoord: ja')).toEqual([{ kind: 'notice', text: 'Je antwoord: ja' }]);
    expect(withEcho([q], undefined)).toEqual([q]);
  });
});

describe('WhatsApp renderer: every prompt of every flow fits', () => {
  const walks: Array<[string, string, (typeof LOCALES)[number]]> = [];
  for (const flow of bank.flows.values()) for (const band of flow.audience.ageBands ?? [null]) for (const lng of LOCALES) walks.push([flow.id, band ?? 'parent', lng]);

  it.each(walks)('%s (%s, %s): intro, every question, review, edit, language and confirm menus', (flowId, band, lng) => {
    const flow = bank.flows.get(flowId)!;
    const chat = new Chat(engine, flow);
    const seen: Prompt[] = [];
    const take = () => seen.push(...chat.last.prompts);
    chat.open(checkin(flow, { locale: lng, ageBand: band === 'parent' ? null : (band as 'young' | 'teen'), channel: 'whatsapp' }));
    take();
    chat.press(/./); // start
    take();
    for (let i = 0; i < 60 && chat.state?.value === 'asking'; i++) {
      const answer = chat.buttons().find((b) => b.data.includes('|a:'));
      if (answer) chat.send({ kind: 'button', data: answer.data });
      else chat.say('x');
      take();
    }
    const press = (code: string) => {
      const b = chat.buttons().find((x) => x.data.endsWith(`|${code}`));
      expect(b, `${code} on ${chat.ask}`).toBeDefined();
      chat.send({ kind: 'button', data: b!.data });
      take();
    };
    for (const [command, code] of [['/taal', 'bk'], ['/stop', 'n'], ['/wis', 'n']] as const) {
      chat.say(command);
      take();
      press(code);
    }
    press('ed');
    const asked = new Set(seen.map((p) => p.ask));
    for (const ask of ['intro', 'review', 'pickedit', 'language', 'confirmstop', 'confirmdelete']) expect(asked, ask).toContain(ask);
    for (const p of seen) {
      const ms = toMessages(p, words(lng));
      for (const m of ms) expect(limitProblem({ messaging_product: 'whatsapp', to: '1', ...m }), `${p.ask}: ${JSON.stringify(m).slice(0, 200)}`).toBeUndefined();
      expect(choices(ms)).toEqual((p.buttons ?? []).flat().map((b) => b.data));
    }
  });
});
