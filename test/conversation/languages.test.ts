import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/conversation/engine.js';
import type { Prompt } from '../../src/conversation/types.js';
import { loadTestBank } from '../support/engine.js';

/** What is said before a check-in exists follows the platform's language hint, else `DEFAULT_LOCALE` — never a fixed Dutch. */
const { bank, texts } = loadTestBank();
const flow = bank.flows.get('parent-checkin')!;
const said = (prompts: Prompt[]) => prompts.map((p) => ('text' in p ? p.text : '')).join('\n');

describe('languages before a check-in', () => {
  it("answers in the platform's language when it gives one", () => {
    const engine = createEngine(bank, texts, { defaultLocale: 'nl' });
    const r = engine.step(flow, undefined, { kind: 'text', text: 'hallo', lng: 'fr' }, new Date());
    expect(said(r.prompts)).toContain(texts.t('fr')('intro.noCheckin'));
  });

  it('answers in DEFAULT_LOCALE without a hint, help lines included', () => {
    const engine = createEngine(bank, texts, { defaultLocale: 'en' });
    expect(said(engine.step(flow, undefined, { kind: 'text', text: 'hello' }, new Date()).prompts)).toContain(texts.t('en')('intro.noCheckin'));
    expect(said(engine.step(flow, undefined, { kind: 'unsupported' }, new Date()).prompts)).toContain(texts.t('en')('onlyText'));
    const help = said(engine.step(flow, undefined, { kind: 'text', text: 'i want to die', lng: 'en' }, new Date()).prompts);
    expect(help).toContain(texts.t('en')('intro.noCheckin'));
    expect(help).not.toContain(texts.t('nl')('intro.noCheckin'));
  });
});
