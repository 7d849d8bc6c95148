import { createCore } from './app.js';
import { runTerminal } from './channels/terminal.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { FlowLoadError } from './survey/load.js';

/** Composition root: config → core (store, queue, engine) → channels. */
async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  const core = await createCore(config, log);
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof FlowLoadError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`feedbackbot could not start: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
