import { createHmac } from 'node:crypto';

/**
 * Cloud API webhook notifications as Meta sends them (`object: whatsapp_business_account`, one entry, one change of
 * field `messages`), and the request that carries them: the exact bytes, signed with `X-Hub-Signature-256`.
 */

export type Notification = Record<string, unknown>;

let seq = 0;
/** A fresh message id shaped like Meta's (`wamid.` + base64). */
export const nextMessageId = () => `wamid.HBgL${Buffer.from(`in-${Date.now()}-${++seq}`).toString('base64')}`;

/** A notification carrying `messages` (with the sender's contact) or `statuses`, for one business number. */
export function notification(phoneNumberId: string, value: Record<string, unknown>): Notification {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '32470000000', phone_number_id: phoneNumberId }, ...value } }] }],
  };
}

export interface MessageOptions {
  id?: string;
  /** Epoch seconds (default now). */
  timestamp?: number;
  /** The id of the message this one replies to (a pressed button's message). */
  context?: string;
  name?: string;
}

/** One message of any type: `fields` is its type and the object of that name (`{ type: 'text', text: { body } }`). */
export function messageFrom(phoneNumberId: string, waId: string, fields: Record<string, unknown>, opts: MessageOptions = {}): Notification {
  const message = {
    from: waId, id: opts.id ?? nextMessageId(), timestamp: String(opts.timestamp ?? Math.floor(Date.now() / 1000)),
    ...(opts.context ? { context: { from: '32470000000', id: opts.context } } : {}),
    ...fields,
  };
  return notification(phoneNumberId, { contacts: [{ profile: { name: opts.name ?? 'Sam Peeters' }, wa_id: waId }], messages: [message] });
}

export const text = (body: string) => ({ type: 'text', text: { body } });
export const buttonReply = (id: string, title: string) => ({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } });
export const listReply = (id: string, title: string) => ({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id, title } } });
/** A template's quick-reply button. */
export const templateButton = (label: string) => ({ type: 'button', button: { text: label, payload: label } });
export const image = () => ({ type: 'image', image: { id: '1479537139650973', mime_type: 'image/jpeg', sha256: 'x' } });
export const location = () => ({ type: 'location', location: { latitude: 51.05, longitude: 3.72 } });
export const contacts = () => ({ type: 'contacts', contacts: [{ name: { formatted_name: 'Oma' }, phones: [{ phone: '+32 470 11 22 33' }] }] });
export const sticker = () => ({ type: 'sticker', sticker: { id: '2', mime_type: 'image/webp', animated: false } });
export const reaction = (messageId: string, emoji: string) => ({ type: 'reaction', reaction: { message_id: messageId, emoji } });

/** A status of a message the bot sent; `failed` with Meta's error code. */
export function status(phoneNumberId: string, messageId: string, recipient: string, state: 'sent' | 'delivered' | 'read' | 'failed', code?: number): Notification {
  return notification(phoneNumberId, {
    statuses: [{
      id: messageId, status: state, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: recipient,
      ...(code ? { errors: [{ code, title: 'Message undeliverable.', message: 'Message undeliverable.', error_data: { details: 'Message Undeliverable.' } }] } : {}),
    }],
  });
}

export const signature = (raw: string | Buffer, appSecret: string) => `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;

/** POSTs a notification as Meta does: signed with `appSecret` unless `signatureHeader` says otherwise (null: none). */
export async function postNotification(url: string, body: Notification | string, appSecret: string, signatureHeader?: string | null): Promise<{ status: number; body: string }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const header = signatureHeader === undefined ? signature(raw, appSecret) : signatureHeader;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'x-hub-signature-256': header }) }, body: raw });
  return { status: res.status, body: await res.text() };
}
