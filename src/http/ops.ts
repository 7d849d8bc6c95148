import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * The operations listener (`OPS_PORT`, loopback by default): liveness, readiness and Prometheus metrics, kept off
 * the public port so the internet sees neither the bot's internals nor a cheap way to make it ping Redis.
 */
export interface OpsOptions {
  /** Readiness checks by name (redis, queues, flows); each must resolve true within `timeoutMs`. */
  ready: Record<string, () => Promise<boolean>>;
  /** Reported as is, e.g. `{ storage: 'memory' }` when there is no Redis to check. */
  facts?: Record<string, string>;
  /** True once shutdown began: not ready any more. */
  draining?: () => boolean;
  registry?: Registry;
  /** Per check (default 1.5 s): a paused dependency makes /readyz answer 503 in time, naming it. */
  timeoutMs?: number;
}

const CHECK_TIMEOUT_MS = 1500;

/** Resolves to an error text instead of throwing or hanging: what the probe's JSON says about a failed check. */
async function run(check: () => Promise<boolean>, timeoutMs: number): Promise<true | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)));
  try {
    return await Promise.race([check().then((ok) => ok || 'failed', (err: unknown) => (err instanceof Error ? err.message : 'failed')), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createOpsServer(opts: OpsOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const entries = await Promise.all(Object.entries(opts.ready).map(async ([name, check]) => [name, await run(check, timeoutMs)] as const));
    const checks = Object.fromEntries(entries.map(([name, r]) => [name, r === true]));
    const errors = Object.fromEntries(entries.filter(([, r]) => r !== true));
    const draining = opts.draining?.() ?? false;
    const ok = !draining && entries.every(([, r]) => r === true);
    return reply.code(ok ? 200 : 503).send({ ok, ...opts.facts, checks, ...(Object.keys(errors).length ? { errors } : {}), ...(draining ? { draining } : {}) });
  });
  if (opts.registry) {
    const registry = opts.registry;
    app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  }
  return app;
}
