import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The one HTTP server: channels (/telegram, /api/messages, /c/…), the check-in API (/v1/…) and health
 * endpoints register on it. Bodies are capped and parsed by Fastify; a broken body gets 400, never a crash.
 */
export interface ServerOptions {
  /** Extra readiness checks (Redis reachable, queues running); all must resolve true. */
  ready?: Array<() => Promise<boolean>>;
  bodyLimit?: number;
}

export function createServer(opts: ServerOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 256 * 1024, trustProxy: true });
  let draining = false;
  app.addHook('onRequest', async (req, reply) => {
    if (draining && req.url !== '/healthz') reply.code(503).header('connection', 'close').send({ error: 'shutting down' });
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await Promise.all((opts.ready ?? []).map((c) => c().catch(() => false)));
    const ok = !draining && checks.every(Boolean);
    return reply.code(ok ? 200 : 503).send({ ok });
  });
  app.decorate('drain', () => {
    draining = true;
  });
  return app;
}
