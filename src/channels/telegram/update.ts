import { z } from 'zod';

/**
 * The shape of a Telegram update as far as the channel reads it, checked before grammY sees it. Telegram itself
 * sends only well-formed updates (after the secret check, anything else is a bug or a probe): such a request is
 * acknowledged with 200 and ignored, since a 5xx would make Telegram deliver it again for a day. Fields the bot
 * does not read are let through untouched.
 */
const user = z.looseObject({ id: z.number().int(), is_bot: z.boolean().optional(), first_name: z.string().optional(), language_code: z.string().optional() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const message = z.looseObject({ message_id: z.number().int(), chat, from: user.optional(), text: z.string().optional() });

export const TelegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: z.looseObject({ id: z.string(), from: user, data: z.string().optional(), message: message.optional() }).optional(),
  my_chat_member: z.looseObject({ chat, from: user, new_chat_member: z.looseObject({ status: z.string() }) }).optional(),
});

export const isWellFormedUpdate = (body: unknown): boolean => TelegramUpdate.safeParse(body).success;
