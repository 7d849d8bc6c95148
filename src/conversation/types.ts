import type { AgeBand, Locale, Role } from '../survey/schema.js';
import type { ResponseDocument, SafetySignal } from '../survey/payload.js';

/** Who is asked, for which check-in. Set when the invite is redeemed; never holds a platform id. */
export interface CheckinInfo {
  id: string;
  flow: string;
  caseRef: string | null;
  /** The worker's team (from the check-in request), passed on to the backend; absent when none was given. */
  teamRef?: string;
  role: Role;
  ageBand: AgeBand | null;
  /** The worker's first name, shown in questions; never leaves the bot. */
  worker: string | null;
  /** Keyed hash of the platform id. */
  pseudonym: string;
  channel: string;
  locale: Locale;
  /** The caller wants follow-ups (a `respondentRef`) and this channel can write first: ask for consent at the end. */
  askFollowUp?: boolean;
}

/** What a respondent did, in platform-neutral form. Channels build these; the engine interprets them. */
export type Input =
  | { kind: 'open'; checkin: CheckinInfo }
  /** `lng`: the platform's language hint, for what is said before a check-in exists (its language wins after). */
  | { kind: 'text'; text: string; lng?: Locale }
  /** A button press: `data` is what the engine put on the button (item, revision, action). */
  | { kind: 'button'; data: string }
  | { kind: 'timer'; timer: 'reminder' | 'expire' }
  /** A sticker, photo, voice message…: the bot only understands text and buttons. */
  | { kind: 'unsupported'; lng?: Locale };

/** What the respondent means, whatever way they said it. Also the engine machine's events. */
export type Intent =
  | { type: 'start' }
  | { type: 'later' }
  | { type: 'language' }
  | { type: 'setLanguage'; lng: Locale }
  | { type: 'answer'; value: number | string }
  | { type: 'dontKnow' }
  | { type: 'skip' }
  | { type: 'back' }
  | { type: 'noComment' }
  | { type: 'send' }
  | { type: 'edit'; n?: number }
  | { type: 'yes' }
  | { type: 'no' }
  | { type: 'help' }
  | { type: 'stop' }
  | { type: 'delete' }
  | { type: 'data' }
  | { type: 'unknown' }
  | { type: 'stale' };

export interface Button {
  label: string;
  /** Opaque, ≤ 64 bytes (Telegram's callback_data limit); channels pass it back unchanged. */
  data: string;
}

export interface Contact {
  name: string;
  number: string;
  what: string;
}

/** What the bot says, platform-neutral: channels render it as messages, keyboards, cards or HTML. */
export interface Prompt {
  /** `question` asks something (and may be edited later); `notice` is a short aside (a toast for old buttons). */
  kind: 'question' | 'message' | 'notice' | 'help';
  text: string;
  /** What is being asked ("p_heard", "p_heard+" for its follow-up, "intro", "review"…) and at which revision. */
  ask?: string;
  rev?: number;
  buttons?: Button[][];
  progress?: { n: number; of: number };
  /** Help lines (safety net, /hulp): web chat renders them as tel: links. */
  contacts?: Contact[];
}

export type EngineEvent =
  | { type: 'checkin.opened'; checkinId: string }
  | { type: 'checkin.started'; checkinId: string }
  | { type: 'checkin.postponed'; checkinId: string }
  | { type: 'checkin.replace'; pending: CheckinInfo }
  | { type: 'answer.recorded'; item: string; label: string | null; ask: string }
  | { type: 'response.completed'; response: ResponseDocument }
  | { type: 'response.partial'; response: ResponseDocument }
  | { type: 'safety.signal'; signal: SafetySignal }
  | { type: 'followup.consent'; checkinId: string; given: boolean }
  | { type: 'data.delete'; pseudonym: string }
  | { type: 'data.show'; pseudonym: string }
  /** Reminders and the expiry of the check-in just opened (epoch ms), replacing any planned for the conversation. */
  | { type: 'timers.plan'; reminders: number[]; expireAt: number }
  /** The conversation ended with a response: nothing is left to remind of. */
  | { type: 'timers.cancel' };

export interface StoredAnswer {
  /** Raw value (scale value, option id, text), null when missing. */
  v: number | string | null;
  /** answered, don't know, skipped. */
  s: 'a' | 'd' | 's';
  at: string;
  c?: string;
}

/** The engine's context: small, JSON-only, versioned (`f`), saved after every turn. */
export interface Ctx {
  f: 1;
  flow: { id: string; version: number; hash: string };
  checkin: CheckinInfo;
  lng: Locale;
  /** Revision of what is being asked: buttons carry it, so a late tap is recognised. */
  rev: number;
  openedAt: string;
  startedAt: string | null;
  cursor: number;
  followUp: boolean;
  answers: Record<string, StoredAnswer>;
  /** Unreadable answers in a row for the current question: the second one brings a hint. */
  misses: number;
  /** Editing from the review returns to the review. */
  returnTo: 'review' | null;
  /** The state a menu (language, stop, delete) returns to. */
  resume: string | null;
  /** Safety-net categories that fired. */
  safety: string[];
  pending: CheckinInfo | null;
}

/** The persisted conversation: the machine's state value and context. */
export interface Snapshot {
  value: string;
  context: Ctx;
}

export interface StepResult {
  state: Snapshot | undefined;
  prompts: Prompt[];
  events: EngineEvent[];
}
