/**
 * What bench/peer-bot.ts and bench/control-bot.ts share: the same survey (20 five-point statements, one inline
 * keyboard per question, a thanks at the end), in the shape the bench's respondents press through (callback data
 * ending in `|a:<value>`, "Bedankt" at the end), and the way a grammY developer serves a bot behind a webhook:
 * grammY's `http` adapter on node:http, `GET /readyz`, `setWebhook` at start. Configured by the same environment
 * as the project's bot (PORT, HOST, PUBLIC_URL, TELEGRAM_*), so bench/telegram-load.ts starts all three alike.
 */
import { createServer } from 'node:http';
import { webhookCallback, type Bot, type Context } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';

export const ITEMS = 20;
export const THANKS = 'Bedankt! Je antwoorden zijn verstuurd.';
export const ANSWER = /^q(\d+)\|a:([1-5])$/;

export const question = (i: number) => `Vraag ${i + 1} van ${ITEMS}: stelling ${i + 1}. Hoe akkoord ben je? (1 = helemaal niet, 5 = helemaal)`;
export const keyboard = (i: number): InlineKeyboardMarkup => ({
  inline_keyboard: [[1, 2, 3, 4, 5].map((v) => ({ text: String(v), callback_data: `q${i}|a:${v}` }))],
});
/** The answered question keeps its text, shows the answer and loses its keyboard. */
export const answered = (i: number, value: number) => `${question(i)}\n\nJe antwoord: ${value}`;

export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The bot's API client as configured by the environment (the fake Bot API in the bench), grammY defaults otherwise. */
export const clientOptions = () => ({ client: { apiRoot: env('TELEGRAM_API_ROOT') } });

/**
 * Serves `bot` at `POST /telegram` until SIGTERM, then runs `close`. Keep-alive as long as Fastify's (72 s), as
 * the project's server does: node:http's 5 s default would close sockets the bench's respondents still reuse.
 */
export async function serve<C extends Context>(bot: Bot<C>, close: () => Promise<unknown> = async () => undefined): Promise<void> {
  await bot.init();
  const handle = webhookCallback(bot, 'http', { secretToken: env('TELEGRAM_WEBHOOK_SECRET') });
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/telegram') {
      handle(req, res).catch((err: unknown) => {
        console.log(JSON.stringify({ level: 50, msg: 'update failed', err: String(err) }));
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    res.writeHead(req.url === '/readyz' ? 200 : 404).end();
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(Number(env('PORT')), env('HOST'), resolve));
  // Readiness where the driver looks for the project's bot: its operations port.
  const ops = createServer((req, res) => res.writeHead(req.url === '/readyz' ? 200 : 404).end());
  await new Promise<void>((resolve) => ops.listen(Number(env('OPS_PORT')), env('HOST'), resolve));
  await bot.api.setWebhook(`${env('PUBLIC_URL')}/telegram`, { secret_token: env('TELEGRAM_WEBHOOK_SECRET') });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  server.closeAllConnections();
  server.close();
  ops.close();
  await close();
  process.exit(0);
}
