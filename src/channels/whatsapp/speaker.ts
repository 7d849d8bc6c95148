import type { Logger } from 'pino';
import type { Checkins } from '../../checkins/port.js';
import type { Prompt } from '../../conversation/types.js';
import type { Texts } from '../../i18n.js';
import type { Locale } from '../../survey/schema.js';
import type { Outgoing as Saved } from '../../turns/outbox.js';
import type { ChatLanes } from '../kit/lanes.js';
import { errorCode, isOutsideWindow, isTemplateRefused, isUndeliverable, type GraphClient } from './graph.js';
import type { WaRecord, WaRecords } from './records.js';
import { commandsAsWords, textMessage, toMessages, withEcho, type Outgoing, type Words } from './render.js';
import type { Templates, TemplateKind } from './settings.js';
import { heldBehindTemplate, insideWindow, templateFor, templateMessage } from './window.js';

/**
 * Says prompts to one WhatsApp user, in that user's lane (in order, paced), and keeps their record. Messages cannot
 * be edited, so a recorded answer is echoed in one line above what follows ("Je antwoord: akkoord"). The ids of
 * the messages that carry the current question are kept (hashed), so a press on an older message can be told
 * apart. Writing first (reminders, follow-ups) uses the 24-hour window: free-form inside it, the configured
 * template outside it (what was meant is held until the person answers), unreachable when there is none. A message
 * WhatsApp cannot deliver marks the person and their check-in unreachable until they write again.
 */

export interface SpeakerDeps {
  graph: GraphClient;
  records: WaRecords;
  lanes: ChatLanes;
  texts: Texts;
  log: Logger;
  defaultLocale: Locale;
  checkins?: Checkins;
  templates?: Templates;
  /** Keyed hash of a message id (`wamid.…` encodes the phone number). */
  hash(messageId: string): string;
  /** Whether a word is one of the bot's commands (shown as a word to type instead of `/command`). */
  isCommand(word: string): boolean;
  /** A Cloud API error code that ended a send (metrics: the code only). */
  onError?(code: string): void;
  now?: () => number;
}

/** The message a turn answers. */
export interface Heard {
  to: string;
  /** Epoch ms: the 24-hour window runs from here. */
  at: number;
  /** Its id, to mark it read. */
  id: string;
}

export interface Said {
  prompts: Prompt[];
  /** What the turn recorded: the chosen answer is echoed. */
  answered?: Saved['answered'];
  /** `/wis` removed the conversation: the record goes too. */
  deleted?: boolean;
  lng?: Locale;
  checkinId?: string;
}

export interface Speaker {
  /** A turn's output to the person who just wrote: their message marked read, what was held said first. */
  reply(key: string, heard: Heard, said: Said): Promise<void>;
  /** Writes first (reminders, follow-up check-ins): only to a known, reachable person. */
  push(key: string, prompts: Prompt[], about?: { checkinId: string; lng: Locale }): Promise<'sent' | 'unreachable'>;
  /** "Try again" when a turn could not be saved; nothing is kept. */
  tryAgain(key: string, heard: Heard, lng: Locale): Promise<void>;
  /** A sent message failed after all (a `failed` status). */
  failed(key: string, code: number | undefined): Promise<void>;
  keep(key: string, seconds: number): Promise<void>;
  record(key: string): Promise<WaRecord | undefined>;
}

/** Copies of the same question (asked again after a notice) stay pressable; a few are enough. */
const MAX_OPEN_IDS = 8;
/** Earlier questions' messages remembered: a whole check-in or two. */
const MAX_PAST_IDS = 48;

export function createSpeaker(deps: SpeakerDeps): Speaker {
  const { graph, records, lanes, texts, log, hash } = deps;
  const now = deps.now ?? Date.now;
  const lngOf = (rec: WaRecord) => rec.lng ?? deps.defaultLocale;
  const wordsOf = (lng: Locale): Words => ({ choose: texts.t(lng)('whatsapp:choose'), more: texts.t(lng)('whatsapp:more') });

  async function send(key: string, to: string, message: Outgoing): Promise<string | undefined> {
    await lanes.slot(key);
    try {
      return await graph.send(to, message);
    } catch (err) {
      const code = errorCode(err);
      if (code !== undefined) deps.onError?.(String(code));
      throw err;
    }
  }

  /** Sends prompts in order; remembers which messages carry the question now on screen. */
  async function sendAll(key: string, rec: WaRecord, prompts: Prompt[]): Promise<void> {
    const words = wordsOf(lngOf(rec));
    for (const p of prompts) {
      const ids: string[] = [];
      for (const m of toMessages({ ...p, text: commandsAsWords(p.text, deps.isCommand) }, words)) {
        const id = await send(key, rec.to, m);
        if (m.type === 'interactive' && id) ids.push(hash(id));
      }
      if (p.kind !== 'question' || !p.ask || p.rev === undefined) continue;
      const again = rec.open?.ask === p.ask && rec.open.rev === p.rev;
      if (!again && rec.open?.ids.length) rec.past = [...(rec.past ?? []), ...rec.open.ids].slice(-MAX_PAST_IDS);
      rec.open = { ask: p.ask, rev: p.rev, ids: [...(again ? rec.open!.ids : []), ...ids].slice(-MAX_OPEN_IDS) };
    }
  }

  async function unreachable(key: string, rec: WaRecord, code: number | undefined): Promise<void> {
    if (!rec.unreachable) log.info({ key, code }, 'whatsapp: respondent unreachable; check-in marked');
    rec.unreachable = true;
    if (rec.checkinId && deps.checkins) await deps.checkins.markUnreachable(rec.checkinId);
  }

  /** `sendAll`, where a message WhatsApp cannot deliver makes the person unreachable instead of an error. */
  async function deliver(key: string, rec: WaRecord, prompts: Prompt[]): Promise<boolean> {
    try {
      await sendAll(key, rec, prompts);
      return true;
    } catch (err) {
      if (!isUndeliverable(err)) throw err;
      await unreachable(key, rec, errorCode(err));
      return false;
    }
  }

  /** Outside the window: the template stands in, and what was meant waits for the person's answer. */
  async function viaTemplate(key: string, rec: WaRecord, prompts: Prompt[], kind: TemplateKind): Promise<'sent' | 'unreachable'> {
    const template = templateFor(deps.templates, kind, lngOf(rec));
    if (!template) {
      await unreachable(key, rec, undefined);
      return 'unreachable';
    }
    try {
      await send(key, rec.to, templateMessage(template));
    } catch (err) {
      if (!isUndeliverable(err) && !isTemplateRefused(err)) throw err;
      await unreachable(key, rec, errorCode(err));
      return 'unreachable';
    }
    rec.held = heldBehindTemplate(prompts);
    return 'sent';
  }

  const echoOf = (lng: Locale, answered: Saved['answered'] = []) => {
    const answer = answered.find((a) => a.label !== null);
    return answer ? texts.t(lng)('answer.chosen', { label: answer.label }) : undefined;
  };

  return {
    reply(key, heard, said) {
      return lanes.run(key, async () => {
        const rec: WaRecord = (await records.get(key)) ?? { to: heard.to };
        Object.assign(rec, { to: heard.to, lastInbound: Math.max(rec.lastInbound ?? 0, heard.at), unreachable: false });
        if (said.lng) rec.lng = said.lng;
        if (said.checkinId) rec.checkinId = said.checkinId;
        const held = rec.held ?? [];
        delete rec.held;
        try {
          await graph.markRead(heard.id).catch((err: unknown) => log.warn({ key, code: errorCode(err) }, 'whatsapp: could not mark a message read'));
          await deliver(key, rec, [...held, ...withEcho(said.prompts, echoOf(lngOf(rec), said.answered))]);
        } finally {
          if (said.deleted) await records.delete(key);
          else await records.put(key, rec);
        }
      });
    },
    async push(key, prompts, about) {
      const known = await records.get(key);
      if (!known || known.unreachable) return 'unreachable';
      return lanes.run(key, async () => {
        const rec = (await records.get(key)) ?? known;
        if (about) Object.assign(rec, { checkinId: about.checkinId, lng: about.lng });
        try {
          if (insideWindow(rec.lastInbound, now())) {
            try {
              return (await deliver(key, rec, prompts)) ? 'sent' : 'unreachable';
            } catch (err) {
              if (!isOutsideWindow(err)) throw err; // WhatsApp's clock says the window has closed: as outside
            }
          }
          return await viaTemplate(key, rec, prompts, about ? 'checkin' : 'reminder');
        } finally {
          await records.put(key, rec);
        }
      });
    },
    tryAgain(key, heard, lng) {
      return lanes.run(key, async () => {
        await send(key, heard.to, textMessage(texts.t(lng)('tryAgain'))).catch(() => undefined);
      });
    },
    failed(key, code) {
      return lanes.run(key, async () => {
        const rec = await records.get(key);
        if (!rec) return;
        await unreachable(key, rec, code);
        await records.put(key, rec);
      });
    },
    async keep(key, seconds) {
      await lanes.run(key, async () => {
        const rec = await records.get(key);
        if (rec) await records.put(key, { ...rec, keepUntil: Math.max(rec.keepUntil ?? 0, Math.ceil(now() / 1000) + seconds) });
      });
    },
    record: (key) => records.get(key),
  };
}
