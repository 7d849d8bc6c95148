import { createCore, type Core } from './app.js';
import { createTeamsChannel, teamsEnabled } from './channels/teams.js';
import { createTelegramChannel } from './channels/telegram.js';
import { runTerminal } from './channels/terminal.js';
import { createWebChannel } from './channels/web.js';
import { createDemoWebLink } from './channels/web-demo.js';
import { createCheckinsFor, type CheckinsWiring } from './checkins/index.js';
import { ConfigError, loadConfig } from './config.js';
import { createServer } from './http/server.js';
import { createLogger } from './log.js';
import { FlowLoadError } from './survey/load.js';

/**
 * Composition root: config → core (store, queue, engine) → check-ins → channels → the one HTTP server.
 * With nothing configured it serves the web chat and prints a link to a demo check-in; `npm run chat`
 * opens the terminal chat instead.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  let wiring: CheckinsWiring | undefined;
  const core = await createCore(config, log, { onEvents: async (key, events, state) => wiring?.onEvents(key, events, state) });
  wiring = createCheckinsFor(core);
  if (process.argv.includes('--chat')) {
    await wiring.close();
    return chat(core);
  }
  return serve(core, wiring);
}

async function chat(core: Core): Promise<number> {
  if (!process.stdin.isTTY) {
    process.stdout.write('feedbackbot: the terminal chat needs an interactive terminal. Run `npm run chat` in one, or `npm start` for the web chat.\n');
  } else {
    await runTerminal({ runner: core.runner, bank: core.bank, pseudonymise: core.pseudonymise, locale: core.config.DEFAULT_LOCALE, sinkDescription: core.sinkDescription });
  }
  await core.close();
  return 0;
}

/** The HTTP server on PORT with every configured channel, until SIGINT/SIGTERM. */
async function serve(core: Core, wiring: CheckinsWiring): Promise<number> {
  const { config, log } = core;
  const app = createServer({ ready: core.redis ? [async () => (await core.redis!.ping()) === 'PONG'] : [] });
  wiring.registerRoutes(app);
  createWebChannel({ core, app, checkins: wiring.checkins, limiter: wiring.limiter });
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? createTelegramChannel({ core, app, checkins: wiring.checkins, token: config.TELEGRAM_BOT_TOKEN, secret: config.TELEGRAM_WEBHOOK_SECRET, apiRoot: config.TELEGRAM_API_ROOT, publicUrl: config.PUBLIC_URL })
    : undefined;
  const teams = teamsEnabled(config) ? await createTeamsChannel({ core, app, checkins: wiring.checkins }) : undefined;
  await app.listen({ port: config.PORT, host: config.HOST });
  await telegram?.start();
  log.info({ port: config.PORT, telegram: telegram?.mode ?? 'off', teams: Boolean(teams) }, 'feedbackbot is listening');
  if (!telegram && !teams) {
    const link = await createDemoWebLink(wiring.checkins, config.DEFAULT_LOCALE);
    process.stdout.write(`\nfeedbackbot is running with no accounts and no Redis.\nOpen this demo check-in in a browser: ${link}\nResponses go to ${core.sinkDescription}. Stop with Ctrl-C.\n\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  (app as unknown as { drain?: () => void }).drain?.();
  await telegram?.stop();
  await teams?.stop();
  await app.close();
  await wiring.close();
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
