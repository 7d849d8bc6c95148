import type { RedisClient } from '../../redis/connect.js';
import type { Prompt } from '../../conversation/types.js';
import type { Locale } from '../../survey/schema.js';
import { conversationRecords, type Records } from '../kit/records.js';

/**
 * What the WhatsApp channel keeps per conversation, beside the engine's state. The respondent's WhatsApp id (their
 * phone number) is needed to write to them, and this record is the only place it is kept: under the pseudonymised
 * conversation key, with a TTL, deleted with `/wis`. Message ids (`wamid.…`, which encode the number) are kept only
 * as keyed hashes.
 *
 * Redis: `fb:{<key>}:wa`; consent to follow-ups may keep it for months. What is held behind a template (a question,
 * maybe the review with every answer) lives apart in `fb:{<key>}:wa:held` for the conversation's time only, so the
 * months never keep answers (../kit/records.ts).
 */
export interface WaRecord {
  /** The WhatsApp id to send to. */
  to: string;
  lng?: Locale;
  checkinId?: string;
  /** Epoch ms of the respondent's last message: the 24-hour customer-service window runs from it. */
  lastInbound?: number;
  /** A message failed for good (undeliverable, blocked): nothing is written first until they write again. */
  unreachable?: boolean;
  /** The question on screen: what it asks, at which revision, and the (hashed) ids of the messages that carry it. */
  open?: { ask: string; rev: number; ids: string[] };
  /** Hashed ids of the messages of earlier questions (the newest few dozen): a press on one of them is old. */
  past?: string[];
  /** Said while the window was closed: sent once the respondent answers the template that stood in for it. */
  held?: Prompt[];
  /** Epoch seconds: consent to follow-ups keeps the record (and so the number) at least until then. */
  keepUntil?: number;
}

export type WaRecords = Records<WaRecord>;

export const waRecords = (opts: { redis?: RedisClient; ttlSeconds: number; prefix?: string }): WaRecords =>
  conversationRecords<WaRecord>({ ...opts, name: 'wa', short: 'held' });
