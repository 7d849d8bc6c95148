import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createAuthenticator } from './auth.js';
import { qrLink, qrSvg } from './links.js';
import type { Checkin, CheckinRequest } from './port.js';
import { createRateLimiter, type RateLimiter, type Rule, type Verdict } from './rate-limit.js';
import { CheckinInvalidError, IdempotencyConflictError, type CheckinsService } from './service.js';

/**
 * The check-in API on the one HTTP server: `POST /v1/checkins`, `GET /v1/checkins/:id`,
 * `GET /v1/checkins/:id/qr.svg`. Every request is counted per IP first (also the unauthenticated ones, so
 * guessing API tokens goes nowhere), then authenticated, then counted per client. Errors are JSON; a 401 says
 * nothing about why. Bodies carry invite tokens, so nothing is cached. Described in docs/checkins.md.
 */
export interface ApiRateLimit {
  limiter: RateLimiter;
  /** Requests per IP, authenticated or not; default 120 a minute. */
  perIp?: Rule;
  /** Requests per API client (token); default 60 a minute. */
  perClient?: Rule;
}

export interface CheckinRouteOptions {
  checkins: CheckinsService;
  /** `CHECKIN_API_TOKENS`; with none, every request gets 401. */
  tokens: readonly string[];
  /** Defaults to counters in this process. */
  rateLimit?: ApiRateLimit;
}

const MINUTE = 60;

export function registerCheckinRoutes(app: FastifyInstance, opts: CheckinRouteOptions): void {
  const { checkins } = opts;
  const authenticate = createAuthenticator(opts.tokens);
  const limiter = opts.rateLimit?.limiter ?? createRateLimiter();
  const perIp = opts.rateLimit?.perIp ?? { limit: 120, windowSeconds: MINUTE };
  const perClient = opts.rateLimit?.perClient ?? { limit: 60, windowSeconds: MINUTE };
  const clients = new WeakMap<FastifyRequest, string>();

  const tooMany = (reply: FastifyReply, v: Verdict) =>
    reply.code(429).header('retry-after', String(Math.max(1, v.retryAfterSeconds))).send({ error: 'rate_limited', retryAfterSeconds: Math.max(1, v.retryAfterSeconds) });

  async function guard(req: FastifyRequest, reply: FastifyReply) {
    reply.header('cache-control', 'no-store');
    const byIp = await limiter.hit('api-ip', req.ip, perIp);
    if (!byIp.ok) return tooMany(reply, byIp);
    const client = authenticate(req.headers.authorization);
    if (!client) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    const byClient = await limiter.hit('api-client', client, perClient);
    if (!byClient.ok) return tooMany(reply, byClient);
    clients.set(req, client);
  }

  /** Broken JSON and other client errors as JSON; server errors without detail. */
  function errorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
    const status = err.statusCode ?? 500;
    if (status >= 500) return reply.code(500).send({ error: 'internal' });
    if (status === 400) return reply.code(400).send({ error: 'invalid', fields: { body: 'the body must be a JSON object' } });
    return reply.code(status).send({ error: err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request' });
  }

  const route = { onRequest: guard, errorHandler };
  const selfUrl = (id: string) => `${checkins.baseUrl}/v1/checkins/${id}`;

  app.post('/v1/checkins', route, async (req, reply) => {
    let result;
    try {
      result = await checkins.create(req.body as CheckinRequest, clients.get(req)!);
    } catch (err) {
      if (err instanceof IdempotencyConflictError) return reply.code(409).send({ error: 'conflict', fields: err.fields });
      if (err instanceof CheckinInvalidError) return reply.code(400).send({ error: 'invalid', fields: err.fields });
      throw err;
    }
    const { checkin, created } = result;
    const invite = checkins.invite(checkin);
    if (!created) reply.header('idempotent-replayed', 'true');
    return reply.code(201).header('location', selfUrl(checkin.id)).send({
      ...view(checkin),
      invite: invite && { ...invite, qrSvg: `${selfUrl(checkin.id)}/qr.svg` },
    });
  });

  app.get<{ Params: { id: string } }>('/v1/checkins/:id', route, async (req, reply) => {
    const checkin = await checkins.get(req.params.id);
    return checkin ? reply.send(view(checkin)) : reply.code(404).send({ error: 'not_found' });
  });

  app.get<{ Params: { id: string }; Querystring: { target?: string } }>('/v1/checkins/:id/qr.svg', route, async (req, reply) => {
    const { target } = req.query;
    const asked = target === undefined ? undefined : checkins.links.find((l) => l.target === target);
    if (target !== undefined && !asked) {
      return reply.code(400).send({ error: 'invalid', fields: { target: `target must be ${checkins.links.map((l) => `"${l.target}"`).join(', ').replace(/, ([^,]*)$/, ' or $1')}` } });
    }
    const checkin = await checkins.get(req.params.id);
    if (!checkin) return reply.code(404).send({ error: 'not_found' });
    const invite = checkins.invite(checkin);
    if (!invite) return reply.code(410).send({ error: 'gone', message: 'this invite can no longer be drawn (the sealing key changed); create a new check-in' });
    const link = qrLink(invite, target);
    if (!link) return reply.code(400).send({ error: 'invalid', fields: { target: asked?.missing ?? 'there is no link to draw' } });
    return reply.type('image/svg+xml').send(await qrSvg(link));
  });
}

/** What the API shows of a check-in: never the worker's name, the bound conversation, answers or scores. */
function view(c: Checkin) {
  return {
    id: c.id, flow: c.flow, caseRef: c.caseRef, teamRef: c.teamRef, respondent: { role: c.role, ageBand: c.ageBand }, locale: c.locale, status: c.status,
    createdAt: c.createdAt, expiresAt: c.expiresAt, history: c.history, respondentRef: c.respondentRef, sendAt: c.sendAt,
    delivery: c.delivery,
  };
}
