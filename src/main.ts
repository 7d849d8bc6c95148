import { createCore, type Core } from './app.js';
import { runTerminal } from './channels/terminal.js';
import { createTelegramChannel } from './channels/telegram.js';
import { MemoryCheckinStore } from './checkins/memory-store.js';
import type { Checkins } from './checkins/port.js';
import { RedisCheckinStore } from './checkins/redis-store.js';
import { createCheckins } from './checkins/service.js';
import { ConfigError, loadConfig } from './config.js';
import { createServer } from './http/server.js';
import { createLogger } from './log.js';
import { FlowLoadError } from './survey/load.js';

/** Composition root: config → core (store, queue, engine) → check-ins → channels → the one HTTP server. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  let checkins: Checkins | undefined;
  const core = await createCore(config, log, { onEvents: async (key, events, state) => checkins?.onEvents(key, events, state) });
  checkins = createCheckins({
    store: core.redis ? new RedisCheckinStore({ redis: core.redis }) : new MemoryCheckinStore(),
    bank: core.bank, defaultLocale: config.DEFAULT_LOCALE, botUsername: config.TELEGRAM_BOT_USERNAME, publicUrl: config.PUBLIC_URL, secret: config.PSEUDONYM_KEY,
  });
  if (config.TELEGRAM_BOT_TOKEN) return serve(core, checkins, config.TELEGRAM_BOT_TOKEN);
  if (!process.stdin.isTTY) {
    process.stdout.write(
      'feedbackbot: no channel is configured, so it would open a chat in this terminal, but there is no terminal here.\n' +
        'Run `npm start` in an interactive terminal, or set TELEGRAM_BOT_TOKEN (see README.md).\n',
    );
    await core.close();
    return 0;
  }
  await runTerminal({ runner: core.runner, bank: core.bank, pseudonymise: core.pseudonymise, locale: config.DEFAULT_LOCALE, sinkDescription: core.sinkDescription });
  await core.close();
  return 0;
}

/** Channels configured: the HTTP server on PORT with /telegram (webhook) or Telegram long polling, until a signal. */
async function serve(core: Core, checkins: Checkins, token: string): Promise<number> {
  const { config, log } = core;
  const app = createServer({ ready: core.redis ? [async () => (await core.redis!.ping()) === 'PONG'] : [] });
  const telegram = createTelegramChannel({
    core, app, checkins, token, secret: config.TELEGRAM_WEBHOOK_SECRET, apiRoot: config.TELEGRAM_API_ROOT, publicUrl: config.PUBLIC_URL,
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  await telegram.start();
  log.info({ port: config.PORT, telegram: telegram.mode }, 'feedbackbot is listening');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await telegram.stop();
  await app.close();
  await core.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof FlowLoadError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`feedbackbot could not start: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
