import { createLogger } from '../log.js';
import { runMain, untilStopped } from '../process-main.js';
import { loadBackendConfig } from './config.js';
import { startBackend } from './server.js';

/**
 * `npm run backend`: the reference backend until SIGINT/SIGTERM. With nothing configured it keeps its data in
 * embedded PostgreSQL under DATA_DIR and says what is still missing (an admin, the webhook secret).
 */
async function main(): Promise<number> {
  const config = loadBackendConfig();
  const log = createLogger({ level: config.LOG_LEVEL });
  const backend = await startBackend(config, log);
  const address = await backend.app.listen({ port: config.BACKEND_PORT, host: config.BACKEND_HOST });
  const lines = [`feedbackbot backend listening on ${address} — sign in at ${address}/login`, `Database: ${backend.database}.`];
  if (backend.admin === 'none') lines.push('No admin exists yet: set BACKEND_ADMIN_EMAIL and BACKEND_ADMIN_PASSWORD and start again to create the first one.');
  if (backend.admin === 'created') lines.push(`Created the first admin (${config.BACKEND_ADMIN_EMAIL}).`);
  if (!config.RESPONSES_WEBHOOK_SECRET?.length) lines.push('RESPONSES_WEBHOOK_SECRET is not set: POST /webhooks refuses every delivery until it is.');
  process.stdout.write(`\n${lines.join('\n')}\nStop with Ctrl-C.\n\n`);
  await untilStopped();
  await backend.close();
  return 0;
}

runMain('feedbackbot backend', main);
