import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ROOT } from '../root.js';
import { errorSummary } from '../log.js';
import { loadBank } from '../survey/load.js';
import { buildBackend } from './app.js';
import { ensureFirstAdmin } from './auth/users.js';
import { databaseOf, retentionOf, type BackendConfig } from './config.js';
import { openDb } from './db/open.js';
import type { Db } from './db/port.js';
import { applyRetention } from './retention.js';

export interface RunningBackend {
  app: FastifyInstance;
  db: Db;
  /** Where the database lives, for the start-up line: the server (without its password) or the folder. */
  database: string;
  admin: 'created' | 'exists' | 'none';
  close(): Promise<void>;
}

const RETENTION_EVERY_MS = 3_600_000;

/**
 * The backend wired from its configuration: flows and locales, the database (migrated), the first admin, the
 * HTTP app, and the retention job (at start, then hourly). `close` stops the job, the server and the database.
 */
export async function startBackend(config: BackendConfig, log: Logger): Promise<RunningBackend> {
  const bank = loadBank({ flowDirs: [`${ROOT}flows`], localeDirs: [`${ROOT}locales`] });
  const where = databaseOf(config);
  const db = await openDb(where);
  const admin = await ensureFirstAdmin(db, config.BACKEND_ADMIN_EMAIL, config.BACKEND_ADMIN_PASSWORD);
  const app = buildBackend({
    db, bank, webhookSecrets: config.RESPONSES_WEBHOOK_SECRET ?? [], signalOverdueMinutes: config.SIGNAL_OVERDUE_MINUTES,
    publicOrigin: config.BACKEND_PUBLIC_URL && new URL(config.BACKEND_PUBLIC_URL).origin, metricsToken: config.BACKEND_METRICS_TOKEN, trustProxy: config.BACKEND_TRUST_PROXY,
  });
  const retain = () =>
    applyRetention(db, retentionOf(config)).then(
      (deleted) => log.info({ deleted }, 'retention applied'),
      (err: unknown) => log.error({ err: errorSummary(err) }, 'retention failed; retried within the hour'),
    );
  await retain();
  const timer = setInterval(retain, RETENTION_EVERY_MS);
  timer.unref();
  const server = where.databaseUrl && new URL(where.databaseUrl);
  const database = server ? `PostgreSQL at ${server.host}${server.pathname}` : `embedded PostgreSQL in ${where.dataDir}`;
  return {
    app, db, database, admin,
    async close() {
      clearInterval(timer);
      await app.close();
      await db.close();
    },
  };
}
