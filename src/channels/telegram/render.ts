import type { BotCommand, InlineKeyboardMarkup } from 'grammy/types';
import type { Button, Prompt } from '../../conversation/types.js';
import type { Texts } from '../../i18n.js';
import type { Locale } from '../../survey/schema.js';
import { splitText } from '../kit/text.js';

/**
 * Neutral prompts → Telegram messages. Pure: no API calls here, so what a respondent sees can be checked
 * without a bot. The engine already lays buttons out in rows (a scale on one row, 0–10 on two, "weet ik niet /
 * sla over / terug" last) and puts item + revision in each button's data; Telegram gets both unchanged.
 */

/** Telegram's limit for a message text (UTF-16 code units, as JavaScript counts them). */
export const MAX_MESSAGE = 4096;
/** Telegram's limit for a callback query toast. */
export const MAX_TOAST = 200;

export interface OutgoingMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

export function inlineKeyboard(buttons: Button[][]): InlineKeyboardMarkup {
  return { inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))) };
}

/** One prompt as one or more messages; the keyboard goes with the last piece, right under what it answers. */
export function toMessages(prompt: Prompt): OutgoingMessage[] {
  const pieces = splitText(prompt.text, MAX_MESSAGE);
  const rows = prompt.buttons?.filter((r) => r.length) ?? [];
  return pieces.map((text, i) => (i === pieces.length - 1 && rows.length ? { text, reply_markup: inlineKeyboard(rows) } : { text }));
}

/** An answered question: its text and the chosen answer, without keyboard, so it cannot be pressed again. */
export function answeredText(question: string, chosen: string): string {
  const text = `${question}\n\n${chosen}`;
  return text.length <= MAX_MESSAGE ? text : question;
}

export function toast(text: string): string {
  return text.length <= MAX_TOAST ? text : `${text.slice(0, MAX_TOAST - 1)}…`;
}

/** A button press's first notice (a stale button…) is shown as its toast instead of a message; the rest is sent. */
export function pressNotice<P extends { kind: string; text: string }>(prompts: P[]): { toast?: string; rest: P[] } {
  const notice = prompts.find((p) => p.kind === 'notice');
  return notice ? { toast: toast(notice.text), rest: prompts.filter((p) => p !== notice) } : { rest: prompts };
}

const COMMANDS = ['help', 'language', 'back', 'stop', 'delete'] as const;

/**
 * The command menu in one language: each command's first typed word in that language (/hulp, /aide, /help…)
 * with its description. Telegram only accepts lowercase latin letters, digits and underscores.
 */
export function commandMenu(texts: Texts, lng: Locale): BotCommand[] {
  const words = (texts.resources[lng].common as { commands?: Record<string, string[]> }).commands ?? {};
  const t = texts.t(lng);
  return COMMANDS.flatMap((c) => {
    const command = words[c]?.find((w) => /^[a-z0-9_]{1,32}$/.test(w));
    return command ? [{ command, description: t(`telegram.commands.${c}`) }] : [];
  });
}
