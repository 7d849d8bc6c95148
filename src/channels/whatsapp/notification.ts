import { z } from 'zod';

/**
 * A Cloud API webhook notification, read: the messages people sent and the statuses of messages the bot sent, for
 * this business number only (an app may serve several: a change that names another number is skipped). Pure; only
 * the fields the channel reads are checked, the rest passes; Meta always sends `object`, `field` and `metadata`, but
 * a change without them is read as this number's messages. A body that is not a notification at all is `undefined`: acknowledged and ignored, since a 5xx
 * would have Meta deliver it again for days.
 */

/** What a message says, in the channel's terms. */
export type Said =
  | { kind: 'text'; text: string }
  /** A reply button or list row pressed: its id is the engine's button data. */
  | { kind: 'reply'; data: string }
  /** The quick-reply button of a template (they carry no data of ours). */
  | { kind: 'template'; text: string }
  /** Photos, voice, video, documents, stickers, locations, contacts, reactions…: kindly refused. */
  | { kind: 'unsupported' }
  /** A reaction taken back, a notice from WhatsApp itself: nothing to answer. */
  | { kind: 'ignored' };

export interface InboundMessage {
  /** `wamid.…`: encodes the sender's number, so it is hashed before it is kept anywhere. */
  id: string;
  /** The sender's WhatsApp id (their number). */
  from: string;
  /** Epoch ms, as WhatsApp stamped it. */
  at: number;
  /** The message a reply refers to (a pressed button's message, a quoted message). */
  context?: string;
  said: Said;
}

export interface StatusUpdate {
  /** The id of the bot's message. */
  id: string;
  status: string;
  recipient: string;
  /** Meta's error codes of a `failed` status. */
  codes: number[];
}

export interface Notification {
  messages: InboundMessage[];
  statuses: StatusUpdate[];
}

const Reply = z.looseObject({ id: z.string() });
const Message = z.looseObject({
  id: z.string().min(1),
  from: z.string().min(1),
  timestamp: z.string().optional(),
  type: z.string(),
  context: z.looseObject({ id: z.string().optional() }).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z.looseObject({ type: z.string(), button_reply: Reply.optional(), list_reply: Reply.optional() }).optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  reaction: z.looseObject({ emoji: z.string().optional() }).optional(),
});
const Status = z.looseObject({
  id: z.string(),
  status: z.string(),
  recipient_id: z.string(),
  errors: z.array(z.looseObject({ code: z.number() })).optional(),
});
const Body = z.looseObject({
  object: z.literal('whatsapp_business_account').optional(),
  entry: z.array(z.looseObject({
    changes: z.array(z.looseObject({
      field: z.string().optional(),
      value: z.looseObject({
        metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
        messages: z.array(Message).optional(),
        statuses: z.array(Status).optional(),
      }),
    })),
  })),
});

function saidBy(m: z.infer<typeof Message>): Said {
  switch (m.type) {
    case 'text':
      return m.text ? { kind: 'text', text: m.text.body } : { kind: 'unsupported' };
    case 'interactive': {
      const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
      return reply ? { kind: 'reply', data: reply.id } : { kind: 'unsupported' };
    }
    case 'button':
      return { kind: 'template', text: m.button?.text ?? m.button?.payload ?? '' };
    case 'reaction':
      return m.reaction?.emoji ? { kind: 'unsupported' } : { kind: 'ignored' };
    case 'system':
    case 'request_welcome':
      return { kind: 'ignored' };
    default:
      return { kind: 'unsupported' };
  }
}

export function readNotification(body: unknown, phoneNumberId: string): Notification | undefined {
  const parsed = Body.safeParse(body);
  if (!parsed.success) return undefined;
  const values = parsed.data.entry
    .flatMap((e) => e.changes)
    .filter((c) => (c.field ?? 'messages') === 'messages' && (c.value.metadata?.phone_number_id ?? phoneNumberId) === phoneNumberId)
    .map((c) => c.value);
  return {
    messages: values.flatMap((v) => v.messages ?? []).map((m) => ({
      id: m.id,
      from: m.from,
      at: Number(m.timestamp) > 0 ? Number(m.timestamp) * 1000 : Date.now(),
      ...(m.context?.id ? { context: m.context.id } : {}),
      said: saidBy(m),
    })),
    statuses: values.flatMap((v) => v.statuses ?? []).map((s) => ({ id: s.id, status: s.status, recipient: s.recipient_id, codes: (s.errors ?? []).map((e) => e.code) })),
  };
}
