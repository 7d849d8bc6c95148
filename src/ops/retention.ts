import { CHANNELS } from '../channels/list.js';

/**
 * Every kind of Redis key the bot writes (the first kind whose pattern matches), what it holds and how long it may live: the retention promise of
 * docs/operations.md as data, so the tests can walk a Redis after full runs and hold every key to it.
 * `maxTtl` is in seconds for the default configuration (FOLLOWUP_TTL_DAYS 400, flows' lifetime 7 days);
 * `noTtl` kinds are BullMQ's own bookkeeping and jobs that wait for their time; `answers` says whether the value
 * may hold answer text at all.
 */
export interface KeyKind {
  kind: string;
  pattern: RegExp;
  holds: string;
  maxTtl: number;
  noTtl?: boolean;
  answers: boolean;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** The longest conversation: the flows' lifetime (7 days) + a day. */
const CONVERSATION = 8 * DAY;
/** Consent to follow-ups (FOLLOWUP_TTL_DAYS, default 400). */
const CONSENT = 400 * DAY;
/** A check-in may be planned up to a year ahead and then lives as long as its conversation. */
const CHECKIN = 366 * DAY + CONVERSATION;

/** How long a channel's key may live: a conversation's time, or as long as consent to follow-ups keeps it. */
const LIVES = { conversation: CONVERSATION, consent: CONSENT } as const;

export const KEY_KINDS: readonly KeyKind[] = [
  { kind: 'conversation state', pattern: /^fb:\{[^}]+\}:conv$/, holds: 'the engine state: answers so far', maxTtl: CONVERSATION, answers: true },
  { kind: 'outbox', pattern: /^fb:\{[^}]+\}:out(:lease)?$/, holds: 'what saved turns say until it was said, and who is saying it', maxTtl: CONVERSATION, answers: true },
  { kind: 'outbox index', pattern: /^fb:\{outbox\}:pending$/, holds: 'pseudonymised keys of conversations with messages waiting', maxTtl: DAY, answers: false },
  { kind: 'update ids seen', pattern: /^fb:\{[^}]+\}:ids$/, holds: 'platform update ids (duplicates)', maxTtl: 25 * HOUR, answers: false },
  // Each channel names its own keys (its definition in src/channels/<name>/index.ts).
  ...CHANNELS.flatMap((c) => (c.keys ?? []).map(({ lives, ...k }) => ({ ...k, maxTtl: LIVES[lives] }))),
  { kind: 'consent to follow-ups', pattern: /^fb:(reach:\{[^}]+\}|\{[^}]+\}:reach)$/, holds: 'how to reach the respondent for a later check-in', maxTtl: CONSENT, answers: false },
  { kind: 'check-in', pattern: /^fb:chk:/, holds: 'check-in, invite token index, idempotency claim', maxTtl: CHECKIN, answers: false },
  { kind: 'timers', pattern: /^fb:\{timers(:\d+)?\}:/, holds: 'when reminders and expiries are due', maxTtl: CONVERSATION + DAY, answers: false },
  { kind: 'safety signal window', pattern: /^fb:sigwin:/, holds: 'categories of a signal being coalesced', maxTtl: HOUR, answers: false },
  { kind: 'rate-limit counters', pattern: /:rl:/, holds: 'request counts per keyed hash', maxTtl: DAY, answers: false },
  { kind: 'delivery ledger', pattern: /^\{feedbackbot:delivery\}:(who|forgotten|dead|gone|state|seen)/, holds: 'document ids and states, dead letters', maxTtl: 30 * DAY, answers: true },
  { kind: 'queued jobs (BullMQ)', pattern: /^(\{feedbackbot:delivery\}:|\{fb\}:followups:|bull[:{])/, holds: 'documents waiting for delivery; follow-up check-in ids waiting for their time; queue bookkeeping', maxTtl: 30 * DAY, noTtl: true, answers: true },
];

export const kindOf = (key: string): KeyKind | undefined => KEY_KINDS.find((k) => k.pattern.test(key));
