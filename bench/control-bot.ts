/**
 * The control of bench/peer.ts: plain grammY with no storage at all, the floor of the Telegram path. `/start`
 * sends the first question; each press is answered, its question shows the answer, and the next question (or
 * the thanks) follows. The question's number rides in the button's callback data, so nothing is stored and
 * nothing is remembered between updates.
 */
import { Bot } from 'grammy';
import { ANSWER, answered, clientOptions, env, ITEMS, keyboard, question, serve, THANKS } from './peer-survey.js';

const bot = new Bot(env('TELEGRAM_BOT_TOKEN'), clientOptions());

bot.command('start', (ctx) => ctx.reply(question(0), { reply_markup: keyboard(0) }));
bot.callbackQuery(ANSWER, async (ctx) => {
  const i = Number(ctx.match[1]);
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(answered(i, Number(ctx.match[2])));
  if (i + 1 < ITEMS) await ctx.reply(question(i + 1), { reply_markup: keyboard(i + 1) });
  else await ctx.reply(THANKS);
});

await serve(bot);
