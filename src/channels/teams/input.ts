import { z } from 'zod';
import type { Input } from '../../conversation/types.js';
import { startToken } from '../kit/inbound.js';

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
  const token = startToken(text);
  if (token) return { kind: 'start', token };
  if (CHECKIN.test(text)) return { kind: 'checkinForm' };
  return { kind: 'input', input: { kind: 'text', text } };
}

/**
 * A Bot Framework activity as far as the channel reads it. Anything else (junk, a probe) is acknowledged with 200
 * and ignored: a 5xx would have the Connector retry what can never succeed. Fields the bot does not read pass.
 */
const Activity = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  text: z.string().optional(),
  locale: z.string().optional(),
  replyToId: z.string().optional(),
  from: z.looseObject({ id: z.string(), aadObjectId: z.string().optional(), name: z.string().optional() }).optional(),
  conversation: z.looseObject({ id: z.string(), conversationType: z.string().optional(), tenantId: z.string().optional() }).optional(),
}).refine((a) => a.type !== 'message' || (a.from !== undefined && a.conversation !== undefined), 'a message needs from and conversation');

export const isWellFormedActivity = (body: unknown): boolean => Activity.safeParse(body).success;
