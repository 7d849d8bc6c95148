import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The public HTTP server: channels (/telegram, /api/messages, /c/…), the check-in API (/v1/…) and `/healthz`
 * register on it; `/metrics` and `/readyz` live on the operations listener (ops.ts). Bodies are capped and parsed
 * by Fastify; a broken body gets 400, never a crash.
 */
export interface ServerOptions {
  bodyLimit?: number;
  /**
   * `TRUST_PROXY`: whose `X-Forwarded-For/-Host/-Proto` Fastify believes for `req.ip`, `req.host` and
   * `req.protocol` (every rate limit and the web chat's Origin check read those): every hop, a hop count, or
   * the proxies' addresses/CIDRs. Default: nobody.
   */
  trustProxy?: boolean | number | string[];
  /** Served over https (PUBLIC_URL): every answer tells browsers to stay on https (HSTS). */
  hsts?: boolean;
}

/** A year, the usual minimum for HSTS; subdomains are not ours to decide. */
const HSTS = 'max-age=31536000';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Shutdown has begun: every new request but /healthz gets 503 (Telegram and Bot Framework retry it, on another
     * replica), while the server keeps listening; resolves once the requests in flight (turns) have answered.
     */
    drain(): Promise<void>;
    /** True from the moment `drain` was called (the operations listener's /readyz then answers 503). */
    draining(): boolean;
  }
}

export function createServer(opts: ServerOptions = {}): FastifyInstance {
  const hops = opts.trustProxy;
  // A hop count as the function Fastify makes of it (its types only name the other forms): trust the n nearest hops.
  const trustProxy = typeof hops === 'number' ? (_addr: string, i: number) => i < hops : (hops ?? false);
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 256 * 1024, trustProxy });
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const done = () => {
    inFlight--;
    if (draining && inFlight === 0) idle?.();
  };
  app.addHook('onRequest', async (req, reply) => {
    if (opts.hsts) reply.header('strict-transport-security', HSTS);
    if (draining && req.url !== '/healthz') return reply.code(503).header('connection', 'close').send({ error: 'shutting down' });
    inFlight++;
    reply.raw.once('close', done); // answered, or the client went away
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.decorate('drain', () => {
    draining = true;
    return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
  });
  app.decorate('draining', () => draining);
  return app;
}
