import { expect } from 'vitest';
import type { Texts } from '../../src/i18n.js';

/**
 * One contract for what a respondent sees after the safety net fires, run on the engine and on every channel:
 * a young Dutch child in `child-checkin` starts, writes a disclosure at the first (smiley) question, answers the
 * rest and sends. `play` opens a fresh check-in, types the lines one by one and returns, per line, everything the
 * respondent was shown as a result, in order, as plain text.
 */
export const AFTER_SIGNAL_SCRIPT = ['ja', 'papa slaat me', '🙂', '🙂', '🙂', '10', 'niks', 'verstuur'] as const;

export type Play = (lines: readonly string[]) => Promise<string[]>;

/** "Sorry, I did not understand" in any wording the engine has, and the hint that follows a second miss. */
const NOT_UNDERSTOOD = /niet begr|begreep ik niet|je kan antwoorden met/i;

/** A text with `{{worker}}` whatever the worker is called: its longest part without the name. */
function fragment(texts: Texts, key: string): string {
  const whole = texts.t('nl')(key, { context: 'young', worker: '\u0000' });
  return whole.split('\u0000').sort((a, b) => b.length - a.length)[0]!.trim();
}

export async function checkAfterSignal(play: Play, texts: Texts): Promise<void> {
  const turns = await play(AFTER_SIGNAL_SCRIPT);
  expect(turns).toHaveLength(AFTER_SIGNAL_SCRIPT.length);

  // The disclosure: help first, then a kind word and the same question again; never "not understood" or a hint.
  const signal = turns[1]!;
  const help = signal.indexOf(fragment(texts, 'safety:help.intro_young'));
  const again = signal.indexOf(fragment(texts, 'afterSignal.again'));
  const question = signal.lastIndexOf(fragment(texts, 'items:c_listened'));
  expect(help).toBeGreaterThanOrEqual(0);
  expect(signal).toContain('112');
  expect(again).toBeGreaterThan(help);
  expect(question).toBeGreaterThan(again);
  expect(signal).not.toMatch(NOT_UNDERSTOOD);

  // The closing: plain thanks, what happens next (child-checkin: the worker is told), nobody live, the help lines.
  const closing = turns.at(-1)!;
  expect(closing).toContain(fragment(texts, 'afterSignal.thanks'));
  expect(closing).toContain(fragment(texts, 'afterSignal.next_worker'));
  expect(closing).toContain(fragment(texts, 'safety:help.noLive'));
  for (const number of ['112', '102', '1712']) expect(closing).toContain(number);
  expect(closing).not.toContain('🌟');
  expect(closing).not.toContain(fragment(texts, 'done.thanks'));
}
