import type { Input } from '../conversation/types.js';

/**
 * What a Teams message means, before anyone looks it up: a card press, an invite typed or pasted
 * (`start <token>`, as the Teams deep link fills it in), a worker's `checkin`, or a text for the conversation.
 * Pure; only the fields of the activity it needs, so it does not depend on an SDK's types.
 */

export interface TeamsMessage {
  text?: string;
  /** A card's `Action.Submit` data, merged with the card's inputs. */
  value?: unknown;
  attachments?: unknown[];
}

export type Reading =
  | { kind: 'start'; token: string }
  /** `checkin` typed, or the worker menu's button: show the check-in form. */
  | { kind: 'checkinForm' }
  /** The check-in form submitted, with its inputs. */
  | { kind: 'checkinCreate'; fields: Record<string, string> }
  | { kind: 'input'; input: Input };

/** Invite tokens are 16–64 characters of [A-Za-z0-9_-]; `/start` as on Telegram works too. */
const START = /^\/?start\s+([A-Za-z0-9_-]{16,64})$/i;
const CHECKIN = /^\/?check-?in$/i;
/** Teams wraps @mentions of the bot in `<at>…</at>`; in a personal chat they are noise. */
const MENTION = /<at>[^<]*<\/at>/gi;

export function readMessage(m: TeamsMessage): Reading {
  const value = m.value && typeof m.value === 'object' ? (m.value as Record<string, unknown>) : undefined;
  if (typeof value?.fb === 'string') return { kind: 'input', input: { kind: 'button', data: value.fb } };
  if (value?.wk === 'form') return { kind: 'checkinForm' };
  if (value?.wk === 'create') {
    const fields = Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'wk'));
    return { kind: 'checkinCreate', fields };
  }
  const text = (m.text ?? '').replace(MENTION, '').trim();
  if (!text) return { kind: 'input', input: { kind: 'unsupported' } };
  const start = START.exec(text);
  if (start) return { kind: 'start', token: start[1]! };
  if (CHECKIN.test(text)) return { kind: 'checkinForm' };
  return { kind: 'input', input: { kind: 'text', text } };
}
