import { join } from 'node:path';
import { z } from 'zod';
import type { RetentionPeriods } from './retention.js';
import { parseEnvironment, webhookSecrets } from '../config.js';

/**
 * The reference backend's environment (`npm run backend`). Unset means the embedded default: PGlite in
 * `DATA_DIR/backend`, no admin until BACKEND_ADMIN_EMAIL/PASSWORD are given. Every bad variable is reported at once.
 */
const days = (name: string, fallback: number) =>
  z.coerce.number().int(`${name} must be whole days`).min(1, `${name} must be at least 1 day`).max(36500, `${name} must be at most 36500 days`).default(fallback);

const Env = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BACKEND_PORT: z.coerce.number({ message: 'BACKEND_PORT must be a port number' }).int('BACKEND_PORT must be a port number').min(0).max(65535, 'BACKEND_PORT must be at most 65535').default(3100),
    BACKEND_HOST: z.string().default('127.0.0.1'),
    /** The backend's public https origin behind a proxy; forms posted from it are same-origin. */
    BACKEND_PUBLIC_URL: z.url({ message: 'BACKEND_PUBLIC_URL must be a URL' }).optional(),
    /** Which peers may set X-Forwarded-For (sign-in limits count per address): a hop count, or addresses/CIDRs. Unset: none. */
    BACKEND_TRUST_PROXY: z
      .string()
      .regex(/^(\d{1,2}|[0-9a-fA-F:.\/]+(\s*,\s*[0-9a-fA-F:.\/]+)*)$/, 'BACKEND_TRUST_PROXY must be a hop count or comma-separated addresses/CIDRs')
      .transform((v) => (/^\d+$/.test(v) ? Number(v) : v.split(',').map((a) => a.trim())))
      .optional(),
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a postgres:// (or postgresql://) URL').optional(),
    DATA_DIR: z.string().default('data'),
    RESPONSES_WEBHOOK_SECRET: webhookSecrets.optional(),
    BACKEND_ADMIN_EMAIL: z.email('BACKEND_ADMIN_EMAIL must be an email address').optional(),
    BACKEND_ADMIN_PASSWORD: z.string().min(12, 'BACKEND_ADMIN_PASSWORD needs at least 12 characters').optional(),
    /** A bearer token that lets a scraper read /metrics from another host (loopback needs none). */
    BACKEND_METRICS_TOKEN: z.string().min(24, 'BACKEND_METRICS_TOKEN needs at least 24 characters').optional(),
    RETENTION_FREE_TEXT_DAYS: days('RETENTION_FREE_TEXT_DAYS', 180),
    RETENTION_SCORES_DAYS: days('RETENTION_SCORES_DAYS', 1825),
    RETENTION_AUDIT_DAYS: days('RETENTION_AUDIT_DAYS', 730),
    SIGNAL_OVERDUE_MINUTES: z.coerce.number().int('SIGNAL_OVERDUE_MINUTES must be whole minutes').min(1, 'SIGNAL_OVERDUE_MINUTES must be at least 1').max(10080, 'SIGNAL_OVERDUE_MINUTES must be at most 10080 (a week)').default(120),
  })
  .superRefine((env, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (Boolean(env.BACKEND_ADMIN_EMAIL) !== Boolean(env.BACKEND_ADMIN_PASSWORD)) {
      const missing = env.BACKEND_ADMIN_EMAIL ? 'BACKEND_ADMIN_PASSWORD' : 'BACKEND_ADMIN_EMAIL';
      issue(missing, `${missing} is missing: the first admin needs both BACKEND_ADMIN_EMAIL and BACKEND_ADMIN_PASSWORD`);
    }
    if (env.RETENTION_FREE_TEXT_DAYS > env.RETENTION_SCORES_DAYS) {
      issue('RETENTION_FREE_TEXT_DAYS', 'RETENTION_FREE_TEXT_DAYS must not be longer than RETENTION_SCORES_DAYS (free text is kept the shortest)');
    }
    if (env.NODE_ENV === 'production' && !env.RESPONSES_WEBHOOK_SECRET?.length) issue('RESPONSES_WEBHOOK_SECRET', 'RESPONSES_WEBHOOK_SECRET is required in production (without it every webhook is refused)');
  }, { when: () => true });

export type BackendConfig = z.infer<typeof Env>;

/** Every variable the backend reads: .env.example documents each (test/ops/env-example.test.ts). */
export const BACKEND_CONFIG_KEYS = Object.keys(Env.shape) as Array<keyof BackendConfig>;

export const loadBackendConfig = (env: NodeJS.ProcessEnv = process.env): BackendConfig => parseEnvironment(Env, env);

/** Where the database is: the server, or embedded PostgreSQL in DATA_DIR/backend (beside the bot's files). */
export const databaseOf = (config: BackendConfig): { databaseUrl?: string; dataDir: string } => ({
  databaseUrl: config.DATABASE_URL, dataDir: join(config.DATA_DIR, 'backend'),
});

export const retentionOf = (config: BackendConfig): RetentionPeriods => ({
  freeTextDays: config.RETENTION_FREE_TEXT_DAYS, scoresDays: config.RETENTION_SCORES_DAYS, auditDays: config.RETENTION_AUDIT_DAYS,
});
