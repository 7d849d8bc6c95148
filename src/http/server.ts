import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The one HTTP server: channels (/telegram, /api/messages, /c/…), the check-in API (/v1/…) and health
 * endpoints register on it. Bodies are capped and parsed by Fastify; a broken body gets 400, never a crash.
 */
export interface ServerOptions {
  /** Readiness checks by name (redis, queues, flows); all must resolve true. /readyz names the failing ones. */
  ready?: Record<string, () => Promise<boolean>>;
  bodyLimit?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Shutdown has begun: every new request but /healthz gets 503 (Telegram and Bot Framework retry it, on another
     * replica), while the server keeps listening; resolves once the requests in flight (turns) have answered.
     */
    drain(): Promise<void>;
  }
}

export function createServer(opts: ServerOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 256 * 1024, trustProxy: true });
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const done = () => {
    inFlight--;
    if (draining && inFlight === 0) idle?.();
  };
  app.addHook('onRequest', async (req, reply) => {
    if (draining && req.url !== '/healthz') return reply.code(503).header('connection', 'close').send({ error: 'shutting down' });
    inFlight++;
    reply.raw.once('close', done); // answered, or the client went away
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const entries = await Promise.all(Object.entries(opts.ready ?? {}).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
    const checks = Object.fromEntries(entries);
    const ok = !draining && entries.every(([, passed]) => passed);
    return reply.code(ok ? 200 : 503).send({ ok, checks });
  });
  app.decorate('drain', () => {
    draining = true;
    return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
  });
  return app;
}
