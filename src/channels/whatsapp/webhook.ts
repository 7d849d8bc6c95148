import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sameSecret } from '../../checkins/auth.js';

/**
 * The Cloud API webhook on the one HTTP server: `GET /whatsapp` answers Meta's subscription check, `POST /whatsapp`
 * takes notifications. Every POST is verified before anything else: `X-Hub-Signature-256` must be `sha256=` and the
 * hex HMAC-SHA256 of the raw body under the app secret, compared in constant time; otherwise 401 and nothing is
 * read, parsed or stored. The body is kept raw (a parser of its own, for these routes only) because the signature
 * is over the exact bytes Meta sent.
 *
 * `handle` gets the parsed JSON (undefined when it is not JSON) and resolves once what must not be lost is saved;
 * then Meta gets 200. If it throws, Meta gets 503 and delivers the notification again later.
 */

export interface WebhookOptions {
  appSecret: string;
  verifyToken: string;
  handle(body: unknown): Promise<void>;
  log: Logger;
}

/** `sha256=<hex>` of the raw body under the app secret, checked in constant time. */
export function validSignature(raw: Buffer, header: unknown, appSecret: string): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return timingSafeEqual(Buffer.from(header.slice(7), 'hex'), expected);
}

export function registerWebhook(app: FastifyInstance, opts: WebhookOptions): void {
  const { appSecret, verifyToken, handle, log } = opts;
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.get('/whatsapp', async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      const challenge = q['hub.challenge'];
      if (q['hub.mode'] === 'subscribe' && sameSecret(q['hub.verify_token'], verifyToken) && typeof challenge === 'string') {
        return reply.code(200).type('text/plain').send(challenge);
      }
      log.warn('whatsapp: subscription check refused (mode or verify token)');
      return reply.code(403).send({ error: 'forbidden' });
    });

    scope.post('/whatsapp', async (req, reply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!validSignature(raw, req.headers['x-hub-signature-256'], appSecret)) {
        log.warn('whatsapp: notification refused (missing or wrong signature)');
        return reply.code(401).send({ error: 'unauthorized' });
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      try {
        await handle(body);
      } catch {
        return reply.code(503).send({ error: 'try again later' });
      }
      return reply.code(200).send({ ok: true });
    });
  });
}
