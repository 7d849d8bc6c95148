/**
 * The peer of bench/peer.ts: what a grammY developer would build for the same survey, with
 * `@grammyjs/conversations` 2.x (the survey is one function, replayed from its log on every update) and its state
 * in Redis through `@grammyjs/storage-redis` (one JSON key per chat, with a TTL). `/start` enters the survey;
 * each press is answered, its question shows the answer, the answer is kept, and at the end the answers are
 * written as one JSON line to `DATA_DIR/responses.jsonl` (as the project's bot does without a webhook) and
 * the thanks is sent.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conversations, createConversation, type Conversation, type ConversationFlavor } from '@grammyjs/conversations';
import { RedisAdapter } from '@grammyjs/storage-redis';
import { Bot, type Context } from 'grammy';
import { Redis } from 'ioredis';
import { ANSWER, answered, clientOptions, env, ITEMS, keyboard, question, serve, THANKS } from './peer-survey.js';

/** A week, like the project's longest flow lifetime. */
const TTL_S = 7 * 24 * 3600;

type Ctx = ConversationFlavor<Context>;

async function survey(conversation: Conversation<Ctx, Context>, ctx: Context): Promise<void> {
  const answers: number[] = [];
  for (let i = 0; i < ITEMS; i++) {
    await ctx.reply(question(i), { reply_markup: keyboard(i) });
    const press = await conversation.waitForCallbackQuery(ANSWER, {
      otherwise: (other) => (other.callbackQuery ? other.answerCallbackQuery('Tik op een knop van de laatste vraag.') : other.reply('Tik op een knop.')),
    });
    const value = Number(press.match[2]);
    answers.push(value);
    await press.answerCallbackQuery();
    await press.editMessageText(answered(i, value));
  }
  await conversation.external(() => appendFile(join(env('DATA_DIR'), 'responses.jsonl'), `${JSON.stringify({ answers })}\n`));
  await ctx.reply(THANKS);
}

const redis = new Redis(env('REDIS_URL'));
const bot = new Bot<Ctx>(env('TELEGRAM_BOT_TOKEN'), clientOptions());
bot.use(conversations({ storage: new RedisAdapter({ instance: redis, ttl: TTL_S }) }));
bot.use(createConversation(survey));
bot.command('start', (ctx) => ctx.conversation.enter('survey'));

await serve(bot, () => redis.quit());
