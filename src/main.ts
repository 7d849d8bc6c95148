import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createCore } from './app.js';
import { runTerminal } from './channels/terminal/channel.js';
import { createDemoWebLink } from './channels/web/demo.js';
import { loadConfig, type Config } from './config.js';
import { loadDotEnv } from './env-file.js';
import { createBot, type Bot } from './http/bot.js';
import { createLogger } from './log.js';
import { runMain, untilStopped } from './process-main.js';

/**
 * Composition root: config → the bot (core, check-ins, channels, the one HTTP server; src/http/bot.ts) until
 * SIGINT/SIGTERM. With nothing configured it serves the web chat and prints a link to a demo check-in;
 * `npm run chat` opens the terminal chat instead.
 */
async function main(): Promise<number> {
  const envFile = loadDotEnv();
  const config = loadConfig();
  if (process.argv.includes('--chat')) return chat(config, envFile);
  const log = createLogger({ level: config.LOG_LEVEL });
  return serve(await createBot(config, log, { envFile }));
}

/** The terminal chat: its log lines go to a file, so they never print over the prompt (typed or piped). */
async function chat(config: Config, envFile: string | undefined): Promise<number> {
  mkdirSync(config.DATA_DIR, { recursive: true });
  const logFile = join(config.DATA_DIR, 'chat.log');
  const log = createLogger({ level: config.LOG_LEVEL, destination: pino.destination({ dest: logFile, sync: true }) });
  process.stdout.write(`feedbackbot terminal chat${envFile ? ` (settings from ${envFile})` : ''}; logs go to ${logFile}. Press a button by typing its letter; Ctrl-D ends.\n`);
  const core = await createCore(config, log);
  await runTerminal({ runner: core.runner, bank: core.bank, pseudonymise: core.pseudonymise, locale: config.DEFAULT_LOCALE, sinkDescription: core.sinkDescription });
  await core.close();
  return 0;
}

async function serve(bot: Bot): Promise<number> {
  await bot.listen();
  if (!bot.hasAccount) {
    const link = await createDemoWebLink(bot.wiring.checkins, bot.core.config.DEFAULT_LOCALE);
    process.stdout.write(`\nfeedbackbot is running with no chat app account.\nOpen this demo check-in in a browser: ${link}\nResponses go to ${bot.core.sinkDescription}. Stop with Ctrl-C.\n\n`);
  }
  await untilStopped();
  await bot.shutdown();
  return 0;
}

runMain('feedbackbot', main);
