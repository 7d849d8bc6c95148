import { GrammyError, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { Checkins } from '../../checkins/port.js';
import type { EngineEvent, Prompt } from '../../conversation/types.js';
import type { Texts } from '../../i18n.js';
import { errorSummary } from '../../log.js';
import type { Locale } from '../../survey/schema.js';
import { answeredOf, type Outgoing } from '../../turns/outbox.js';
import type { ChatRecord, ChatRecords } from './record.js';
import { answeredText, pressNotice, toMessages } from './render.js';
import type { ChatLanes } from '../kit/lanes.js';
import { isBlocked, isNotModified } from './send.js';

/**
 * Says a turn's prompts in one chat, in order, in that chat's lane: answers the button press (a stale-button
 * notice becomes its toast), closes the answered question (its text plus "Je antwoord: …", no keyboard, so
 * its buttons cannot be pressed again), takes the keyboard off a question that a newer one replaces, sends
 * the rest and remembers the last question. A 403 (blocked) marks the chat and its check-in unreachable and
 * stops there; the record is written after sending, or deleted after `/wis`.
 */

export interface SpeakerDeps {
  api: Api;
  records: ChatRecords;
  lanes: ChatLanes;
  texts: Texts;
  log: Logger;
  defaultLocale: Locale;
  checkins?: Checkins;
  /**
   * Answer a button press after everything else was said (webhook mode: the answer is the webhook's response,
   * which must leave last) instead of alongside it (polling mode: the answer is a call of its own).
   */
  answerLast?: boolean;
}

/** The question message whose button was pressed: closing it needs its id and text. */
export interface Pressed {
  id: number;
  text: string;
}

/** How a Telegram turn is said from the outbox: the chat (absent for a timer's turn) and the pressed message. */
export interface Via {
  chat?: number;
  pressed?: Pressed;
}

export interface Said {
  prompts: Prompt[];
  events?: EngineEvent[];
  /** The question message whose button this turn answers, if any. */
  pressed?: Pressed;
  /**
   * Answers that button press (stops its spinner; `toast` shows as a notice). In webhook mode this rides on the
   * webhook's HTTP response (grammY's webhook reply), so it costs no API call; it is then called last.
   */
  answer?: (toast?: string) => Promise<unknown>;
  /** What the conversation looks like now (language, check-in), when the turn has a state. */
  lng?: Locale;
  checkinId?: string;
  /** The conversation is over (sent, stopped, expired): no keyboard stays pressable. */
  final?: boolean;
}

export interface Speaker {
  /** A turn's output to a chat the respondent is writing from (clears a previous block). */
  reply(key: string, chat: number, said: Said): Promise<void>;
  /**
   * A saved turn's output from the outbox; a press's notice was its toast already. A failure to reach Telegram
   * throws (the entry stays and is tried again); what Telegram refused is logged and given up.
   */
  say(key: string, entry: Outgoing): Promise<void>;
  /** Prompts to a chat the bot was not answering (reminders, follow-ups): only to a known, unblocked chat. */
  push(key: string, prompts: Prompt[], about?: { checkinId: string; lng: Locale }): Promise<'sent' | 'unreachable'>;
  /** Keeps the chat's record at least `seconds` from now (consent to follow-ups). */
  keep(key: string, seconds: number): Promise<void>;
  /** The user blocked the bot (seen as `my_chat_member` or a 403). */
  blocked(key: string, chat: number): Promise<void>;
  unblocked(key: string, chat: number): Promise<void>;
  /** The conversation's language as last seen, for texts the engine does not write. */
  lngOf(key: string): Promise<Locale | undefined>;
}

export function createSpeaker(deps: SpeakerDeps): Speaker {
  const { api, records, lanes, texts, log } = deps;

  /** Runs `fn` on the chat's record in its lane; handles 403 and writes (or deletes) the record after. */
  function withRecord(key: string, chat: number, fn: (rec: ChatRecord) => Promise<'delete' | void>): Promise<void> {
    return lanes.run(chat, async () => {
      const rec: ChatRecord = (await records.get(key)) ?? { chat };
      rec.chat = chat;
      let outcome: 'delete' | void = undefined;
      try {
        outcome = await fn(rec);
      } catch (err) {
        if (!isBlocked(err)) throw err;
        await markBlocked(key, rec);
      }
      if (outcome === 'delete') await records.delete(key);
      else await records.put(key, rec);
    });
  }

  async function markBlocked(key: string, rec: ChatRecord): Promise<void> {
    if (rec.blocked) return;
    rec.blocked = true;
    log.info({ key }, 'telegram: the user blocked the bot; chat marked unreachable');
    if (rec.checkinId && deps.checkins) await deps.checkins.markUnreachable(rec.checkinId);
  }

  const ignoreNotModified = (err: unknown) => {
    if (!isNotModified(err)) throw err;
  };

  async function closeKeyboard(rec: ChatRecord): Promise<void> {
    if (!rec.last?.open) return;
    rec.last.open = false;
    await api.editMessageReplyMarkup(rec.chat, rec.last.id).catch(ignoreNotModified);
  }

  /** The answered question shows the chosen answer and loses its keyboard. */
  async function closeAnswered(rec: ChatRecord, e: Outgoing['answered'][number], pressed?: Pressed): Promise<void> {
    const target = rec.last?.ask === e.ask ? rec.last : pressed && { ...pressed, ask: e.ask, open: true };
    if (!target) return;
    if (e.label === null) {
      if (target === rec.last) await closeKeyboard(rec);
      else await api.editMessageReplyMarkup(rec.chat, target.id).catch(ignoreNotModified);
      return;
    }
    const t = texts.t(rec.lng ?? deps.defaultLocale);
    target.open = false;
    await api.editMessageText(rec.chat, target.id, answeredText(target.text, t('answer.chosen', { label: e.label }))).catch(ignoreNotModified);
  }

  async function send(rec: ChatRecord, prompts: Prompt[]): Promise<void> {
    for (const p of prompts) {
      if (p.kind === 'question') await closeKeyboard(rec);
      const messages = toMessages(p);
      for (const m of messages) {
        await lanes.slot(rec.chat);
        const sent = await api.sendMessage(rec.chat, m.text, m.reply_markup ? { reply_markup: m.reply_markup } : {});
        if (p.kind === 'question' && p.ask && m === messages.at(-1)) rec.last = { id: sent.message_id, ask: p.ask, text: m.text, open: !!m.reply_markup };
      }
    }
  }

  /** Says prompts in the chat's lane: closes what they answer, sends the rest, then writes (or deletes) the record. */
  function speak(key: string, chat: number, said: Omit<Said, 'answer' | 'events'> & { answered: Outgoing['answered']; deleted?: boolean; fromChat: boolean }): Promise<void> {
    return withRecord(key, chat, async (rec) => {
      if (said.fromChat) rec.blocked = false;
      else if (rec.blocked) return;
      if (said.lng) rec.lng = said.lng;
      if (said.checkinId) rec.checkinId = said.checkinId;
      // Closing the answered question and sending the next one touch different messages: both at once.
      // Their synchronous parts run in this order, so the answered question is closed in `rec` before
      // `send` looks at `rec.last`.
      const closing = said.answered.map((a) => closeAnswered(rec, a, said.pressed));
      await Promise.all([...closing, send(rec, said.prompts)]);
      if (said.final) await closeKeyboard(rec);
      if (said.deleted) return 'delete';
    });
  }

  return {
    async reply(key, chat, said) {
      let prompts = said.prompts;
      let answer: (() => Promise<unknown>) | undefined;
      if (said.answer) {
        const press = pressNotice(prompts);
        prompts = press.rest;
        const reply = said.answer;
        answer = () => reply(press.toast).catch((err: unknown) => {
          log.warn({ key, err: errorSummary(err) }, 'telegram: answerCallbackQuery failed');
        });
      }
      const answering = deps.answerLast ? undefined : answer?.();
      try {
        const deleted = said.events?.some((e) => e.type === 'data.delete');
        await speak(key, chat, { ...said, prompts, answered: answeredOf(said.events), fromChat: true, ...(deleted ? { deleted } : {}) });
      } finally {
        await (answering ?? answer?.());
      }
    },
    async say(key, entry) {
      const via = (entry.via ?? {}) as Via;
      const chat = via.chat ?? (await records.get(key))?.chat;
      if (chat === undefined) return void log.info({ key }, 'telegram: nothing known to say this to; dropped');
      const prompts = via.pressed ? pressNotice(entry.prompts).rest : entry.prompts;
      try {
        await speak(key, chat, { ...entry, prompts, fromChat: via.chat !== undefined, ...(via.pressed ? { pressed: via.pressed } : {}) });
      } catch (err) {
        if (!(err instanceof GrammyError) || err.error_code === 429) throw err;
        log.warn({ key, err: errorSummary(err) }, 'telegram: saved turn could not be said');
      }
    },
    async push(key, prompts, about) {
      const known = await records.get(key);
      if (!known || known.blocked) return 'unreachable';
      let said = false;
      await withRecord(key, known.chat, async (rec) => {
        if (about) Object.assign(rec, { checkinId: about.checkinId, lng: about.lng });
        if (rec.blocked) return;
        await send(rec, prompts);
        said = !rec.blocked;
      });
      return said ? 'sent' : 'unreachable';
    },
    async keep(key, seconds) {
      const known = await records.get(key);
      if (known) await withRecord(key, known.chat, async (rec) => void (rec.keepUntil = Math.max(rec.keepUntil ?? 0, Math.ceil(Date.now() / 1000) + seconds)));
    },
    blocked: (key, chat) => withRecord(key, chat, (rec) => markBlocked(key, rec)),
    unblocked: (key, chat) => withRecord(key, chat, async (rec) => void (rec.blocked = false)),
    lngOf: async (key) => (await records.get(key))?.lng,
  };
}
