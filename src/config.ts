import { isIP } from 'node:net';
import { z } from 'zod';
import { TemplatesSetting } from './channels/whatsapp/settings.js';
import { LOCALES } from './survey/schema.js';

/**
 * The environment, validated at start-up. Unset means the embedded default (memory store, JSONL file,
 * terminal/web chat). Every invalid or half-configured setting is reported at once, by name.
 */

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const httpsOrLoopback = (name: string) =>
  z.url({ message: `${name} must be a URL` }).refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, `${name} must use https (plain http only on localhost)`);
export const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
/** `RESPONSES_WEBHOOK_SECRET`: read by the bot (signing) and the reference backend (verifying). */
export const webhookSecrets = list.pipe(z.array(z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'RESPONSES_WEBHOOK_SECRET must be whsec_… secrets, comma-separated')));
/** An address, a CIDR range, or one of proxy-addr's names for ranges (what Fastify's `trustProxy` accepts). */
const proxyAddress = (s: string) => {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(s)) return true;
  const [ip, bits, extra] = s.split('/');
  const v = isIP(ip ?? '');
  return v !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128)));
};
/** Off, on (every hop), a hop count, or the proxies' addresses: whom `X-Forwarded-For/-Host/-Proto` may come from. */
const trustProxy = z.string().transform((s, ctx): boolean | number | string[] => {
  if (s === 'false' || s === '0') return false;
  if (s === 'true') return true;
  if (/^\d{1,2}$/.test(s)) return Number(s);
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((x) => !proxyAddress(x));
  if (bad.length || !list.length) ctx.addIssue({ code: 'custom', message: `TRUST_PROXY must be true, false, a hop count or comma-separated proxy addresses/CIDRs (not ${bad.join(', ') || 'empty'})` });
  return list;
});
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const Env = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    /** `/metrics` and `/readyz` listen here only, not on PORT: loopback unless the operator opens it to the private network. */
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    OPS_HOST: z.string().default('127.0.0.1'),
    /** Whose `X-Forwarded-*` headers are believed (client address for rate limits, host for the web chat's Origin check). */
    TRUST_PROXY: trustProxy.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://').optional(),
    /** Redis Cluster seed nodes instead of one server: every Redis user switches to cluster mode (docs/operations.md). */
    REDIS_CLUSTER_NODES: list.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'REDIS_CLUSTER_NODES must be comma-separated host:port seed nodes'))).optional(),
    TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC…)').optional(),
    TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'TELEGRAM_WEBHOOK_SECRET must be 16–256 characters of A-Z a-z 0-9 _ -').optional(),
    TELEGRAM_API_ROOT: httpsOrLoopback('TELEGRAM_API_ROOT').default('https://api.telegram.org'),
    TELEGRAM_BOT_USERNAME: z.string().regex(/^[A-Za-z0-9_]{3,64}$/).optional(),
    PUBLIC_URL: httpsOrLoopback('PUBLIC_URL').optional(),
    MICROSOFT_APP_ID: z.string().min(1).optional(),
    MICROSOFT_APP_PASSWORD: z.string().min(1).optional(),
    MICROSOFT_APP_TENANT_ID: z.string().min(1).optional(),
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
    TEAMS_ALLOW_UNAUTHENTICATED: bool.optional(),
    /** Tests only: OpenID metadata of a local token issuer instead of the Bot Framework's (refused outside NODE_ENV=test). */
    BOT_OPENID_METADATA: httpsOrLoopback('BOT_OPENID_METADATA').optional(),
    BOT_FRAMEWORK_TOKEN_URL: httpsOrLoopback('BOT_FRAMEWORK_TOKEN_URL').optional(),
    /** Workers may create check-ins from Teams: their Entra ID tenant and object ids. */
    TEAMS_WORKER_TENANT_ID: z.string().min(1).optional(),
    TEAMS_WORKER_IDS: list.pipe(z.array(z.string().regex(/^[0-9a-f-]{36}$/i, 'TEAMS_WORKER_IDS must be comma-separated Entra ID object ids (GUIDs)'))).optional(),
    /** WhatsApp Cloud API: the four below turn the channel on together (see docs/whatsapp.md). */
    WHATSAPP_ACCESS_TOKEN: z.string().regex(/^\S+$/, 'WHATSAPP_ACCESS_TOKEN must not contain spaces').optional(),
    WHATSAPP_PHONE_NUMBER_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'WHATSAPP_PHONE_NUMBER_ID must be the id of the business phone number (digits, as Meta shows it), not the number itself').optional(),
    WHATSAPP_APP_SECRET: z.string().regex(/^\S+$/, 'WHATSAPP_APP_SECRET must not contain spaces').optional(),
    WHATSAPP_VERIFY_TOKEN: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'WHATSAPP_VERIFY_TOKEN must be printable characters without spaces').optional(),
    WHATSAPP_API_ROOT: httpsOrLoopback('WHATSAPP_API_ROOT').default('https://graph.facebook.com/v23.0'),
    /** The business number in international form (+32 470 12 34 56 or 32470123456), kept as digits for wa.me links. */
    WHATSAPP_NUMBER: z.string().regex(/^(\+|00)?[1-9][\d ().-]{6,24}$/, 'WHATSAPP_NUMBER must be the number in international form, e.g. +32470123456').transform((s) => s.replace(/^00/, '').replace(/\D/g, '')).optional(),
    /** Approved templates for writing first outside the 24-hour window (channels/whatsapp/settings.ts). */
    WHATSAPP_TEMPLATES: TemplatesSetting.optional(),
    RESPONSES_WEBHOOK_URL: httpsOrLoopback('RESPONSES_WEBHOOK_URL').optional(),
    RESPONSES_WEBHOOK_SECRET: webhookSecrets.optional(),
    SAFETY_WEBHOOK_URL: httpsOrLoopback('SAFETY_WEBHOOK_URL').optional(),
    DELIVERY_RETRY_DELAYS_MS: list.pipe(z.array(z.string().regex(/^\d+$/, 'DELIVERY_RETRY_DELAYS_MS must be comma-separated milliseconds').transform(Number))).optional(),
    CHECKIN_API_TOKENS: list.pipe(z.array(z.string().min(24, 'each CHECKIN_API_TOKENS token needs at least 24 characters'))).optional(),
    PSEUDONYM_KEY: z.string().min(32, 'PSEUDONYM_KEY needs at least 32 characters').optional(),
    /** How long consent to follow-ups keeps a way to reach a respondent (milestones come months apart). */
    FOLLOWUP_TTL_DAYS: z.coerce.number().int('FOLLOWUP_TTL_DAYS must be whole days').min(1, 'FOLLOWUP_TTL_DAYS must be at least 1').max(1100, 'FOLLOWUP_TTL_DAYS must be at most 1100 (about 3 years)').default(400),
    DEFAULT_LOCALE: z.enum(LOCALES).default('nl'),
    DATA_DIR: z.string().default('data'),
    /** Shrinks every flow timer (reminders, lifetime) by this factor, so tests and drills see them fire in seconds. */
    TIMER_SCALE: z.coerce.number().positive('TIMER_SCALE must be a positive factor').max(1, 'TIMER_SCALE may only shorten timers (≤ 1)').default(1),
  })
  // Runs also when single variables failed (`when`): the operator hears about every problem in one start, not one round at a time.
  .superRefine((env, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (env.TELEGRAM_BOT_TOKEN && env.PUBLIC_URL && !env.TELEGRAM_WEBHOOK_SECRET) {
      issue('TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_WEBHOOK_SECRET is required in webhook mode (TELEGRAM_BOT_TOKEN and PUBLIC_URL set)');
    }
    const teams = ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID', 'MICROSOFT_APP_TYPE'] as const;
    const set = teams.filter((k) => env[k] !== undefined);
    if (set.length && env.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !(env.MICROSOFT_APP_ID && env.MICROSOFT_APP_PASSWORD)) {
      for (const k of ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD'] as const) if (!env[k]) issue(k, `${k} is missing: Teams is half-configured (${set.join(', ')} set)`);
    }
    if (env.MICROSOFT_APP_TYPE === 'SingleTenant' && !env.MICROSOFT_APP_TENANT_ID) issue('MICROSOFT_APP_TENANT_ID', 'MICROSOFT_APP_TENANT_ID is required for a SingleTenant app');
    if (env.TEAMS_ALLOW_UNAUTHENTICATED && env.NODE_ENV !== 'test') issue('TEAMS_ALLOW_UNAUTHENTICATED', 'TEAMS_ALLOW_UNAUTHENTICATED is only allowed with NODE_ENV=test');
    if (env.TEAMS_ALLOW_UNAUTHENTICATED && env.MICROSOFT_APP_ID) issue('TEAMS_ALLOW_UNAUTHENTICATED', 'TEAMS_ALLOW_UNAUTHENTICATED cannot be combined with MICROSOFT_APP_ID: say which one you mean');
    if (env.BOT_OPENID_METADATA && env.NODE_ENV !== 'test') issue('BOT_OPENID_METADATA', 'BOT_OPENID_METADATA is only allowed with NODE_ENV=test (it replaces the Bot Framework token issuer)');
    if (env.BOT_FRAMEWORK_TOKEN_URL && env.NODE_ENV !== 'test') issue('BOT_FRAMEWORK_TOKEN_URL', 'BOT_FRAMEWORK_TOKEN_URL is only allowed with NODE_ENV=test (the app secret is posted to it)');
    if (env.TEAMS_WORKER_IDS?.length && !env.TEAMS_WORKER_TENANT_ID) issue('TEAMS_WORKER_TENANT_ID', 'TEAMS_WORKER_TENANT_ID is required with TEAMS_WORKER_IDS');
    const whatsapp = ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_PHONE_NUMBER_ID', 'WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN'] as const;
    const waSet = whatsapp.filter((k) => env[k] !== undefined);
    if (waSet.length && waSet.length < whatsapp.length) {
      for (const k of whatsapp) if (!env[k]) issue(k, `${k} is missing: WhatsApp is half-configured (${waSet.join(', ')} set)`);
    }
    if (env.RESPONSES_WEBHOOK_URL && !env.RESPONSES_WEBHOOK_SECRET?.length) issue('RESPONSES_WEBHOOK_SECRET', 'RESPONSES_WEBHOOK_SECRET is required with RESPONSES_WEBHOOK_URL');
    if (env.RESPONSES_WEBHOOK_URL && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES?.length) issue('REDIS_URL', 'REDIS_URL (or REDIS_CLUSTER_NODES) is required for RESPONSES_WEBHOOK_URL (queued, retried delivery)');
    if (env.REDIS_URL && env.REDIS_CLUSTER_NODES?.length) issue('REDIS_CLUSTER_NODES', 'REDIS_CLUSTER_NODES and REDIS_URL are both set: one server or one cluster, not both');
    if (env.NODE_ENV === 'production' && env.TIMER_SCALE !== 1) issue('TIMER_SCALE', 'TIMER_SCALE is for tests and drills; it is refused with NODE_ENV=production');
    if (env.NODE_ENV === 'production' && !env.PSEUDONYM_KEY) issue('PSEUDONYM_KEY', 'PSEUDONYM_KEY is required in production (pseudonyms must be stable across restarts)');
  }, { when: () => true });

export type Config = z.infer<typeof Env>;

/** Every variable the bot reads: .env.example must document each (test/ops/env-example.test.ts). */
export const CONFIG_KEYS = Object.keys(Env.shape) as Array<keyof Config>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length}):\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment with `schema`, every problem named by its variable. Empty strings count as unset, as in most .env tooling. */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = schema.safeParse(cleaned);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => (i.path.length ? `${String(i.path[0])}: ${i.message}` : i.message)));
}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseEnvironment(Env, env);
