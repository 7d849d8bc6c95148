import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { pageHeaders, readCookie, sameOrigin } from '../http/security.js';
import type { Bank } from '../survey/load.js';
import { createAudit } from './audit.js';
import { sessionUser, SESSION_COOKIE } from './auth/sessions.js';
import type { UserRole } from './auth/users.js';
import type { ViewContext } from './context.js';
import { createBackendCsrf } from './csrf.js';
import type { Db } from './db/port.js';
import { BACKEND_CSS } from './http/assets.js';
import { registerLogin } from './http/login.js';
import { registerUsers } from './http/users.js';
import { registerExports } from './exports/routes.js';
import { createBackendMetrics } from './metrics.js';
import { registerReceiver } from './receiver/routes.js';
import { freeTextItems } from './receiver/store.js';
import { registerViews } from './views/index.js';

export interface BackendOptions {
  db: Db;
  /** The flows and locales the bot runs (free-text items, codebook). */
  bank: Bank;
  /** `RESPONSES_WEBHOOK_SECRET`: `whsec_…`, several during a rotation. None: every webhook is refused. */
  webhookSecrets: readonly string[];
  signalOverdueMinutes: number;
  /** Failed sign-ins allowed per address and per email in `loginWindowMs`. */
  loginMaxFailures?: number;
  loginWindowMs?: number;
  /** The backend's public origin behind a proxy (`https://…`), accepted as a form's Origin. */
  publicOrigin?: string;
  /** Peers allowed to set X-Forwarded-For (hop count or addresses); default none, so nobody can fake their address. */
  trustProxy?: number | string[];
  /** Lets a scraper on another host read /metrics with `Authorization: Bearer <token>`; loopback needs none. */
  metricsToken?: string;
  now?: () => Date;
}

const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The reference backend as one Fastify instance: the webhook receiver, sign-in, the guard, and the views.
 * Nothing but `/webhooks`, `/login`, `/healthz` and the style sheet answers without a session; `/metrics`
 * (counts only) answers loopback peers and holders of the metrics token.
 */
export function buildBackend(opts: BackendOptions): FastifyInstance {
  const hops = opts.trustProxy;
  const trustProxy: FastifyServerOptions['trustProxy'] = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : (hops ?? false);
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, trustProxy });
  const now = opts.now ?? (() => new Date());
  const csrf = createBackendCsrf();

  const requireUser: ViewContext['requireUser'] = (roles?: readonly UserRole[]) => async (req, reply) => {
    const token = readCookie(req, SESSION_COOKIE);
    const user = token ? await sessionUser(opts.db, token, now()) : undefined;
    if (!user) {
      if (req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return reply.code(401).send({ error: 'sign in first' });
    }
    if (roles && !roles.includes(user.role)) return pageHeaders(reply).code(403).type('text/plain; charset=utf-8').send('You do not have access to this page.');
    req.user = user;
  };

  const ctx: ViewContext = {
    db: opts.db, bank: opts.bank, requireUser, csrf, audit: createAudit(opts.db),
    formOk: (req) => sameOrigin(req, opts.publicOrigin) && csrf.check(req, (req.body as Record<string, unknown> | undefined)?.csrf), signalOverdueMinutes: opts.signalOverdueMinutes, now,
    pageHeaders: (reply: FastifyReply) => pageHeaders(reply),
  };

  app.get('/healthz', async () => ({ ok: true }));
  app.get(BACKEND_CSS.path, (_req, reply) =>
    reply.header('content-type', BACKEND_CSS.type).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(BACKEND_CSS.body),
  );
  const metrics = createBackendMetrics(opts.db, opts.signalOverdueMinutes, now);
  const scraper = (req: FastifyRequest) => {
    if (LOOPBACK_PEERS.has(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined) return true;
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(`Bearer ${opts.metricsToken ?? ''}`);
    return opts.metricsToken !== undefined && given.length === want.length && timingSafeEqual(given, want);
  };
  app.get('/metrics', async (req, reply) => {
    if (!scraper(req)) return reply.code(401).send({ error: 'metrics token required' });
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  registerReceiver(app, { db: opts.db, secrets: opts.webhookSecrets, isFreeText: freeTextItems(opts.bank), metrics });
  registerExports(app, ctx, opts.bank);
  // Forms (sign-in, views) are parsed in this scope only; the receiver reads raw JSON in its own.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    registerLogin(scope, ctx, { maxFailures: opts.loginMaxFailures ?? 10, windowMs: opts.loginWindowMs ?? 15 * 60_000, publicOrigin: opts.publicOrigin });
    registerUsers(scope, ctx);
    registerViews(scope, ctx);
  });
  return app;
}
