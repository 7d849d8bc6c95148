import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createCore, type Core } from '../app.js';
import type { Pace } from '../channels/kit/lanes.js';
import type { Channel } from '../channels/kit/port.js';
import { CHANNELS, inviteLinksFor } from '../channels/list.js';
import { createCheckinsFor, type CheckinsWiring } from '../checkins/index.js';
import type { Config } from '../config.js';
import { QueueDelivery } from '../delivery/queue.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { redisReady } from '../redis/connect.js';
import { createOpsServer } from './ops.js';
import { createServer } from './server.js';

/**
 * The bot as `npm start` serves it: core, check-ins, metrics and every configured channel on the one HTTP server.
 * Split from main.ts so tests compose exactly what production runs (with their own logger) and stop it the same way.
 */
/** How long a shutdown waits for the outbox's sending in progress (a platform down must not hold it). */
const OUTBOX_GRACE_MS = 10_000;

export interface Bot {
  core: Core;
  app: FastifyInstance;
  /** The operations listener (`OPS_PORT`): /healthz, /readyz, /metrics. */
  ops: FastifyInstance;
  wiring: CheckinsWiring;
  metrics: Metrics;
  /** The channels the configuration turned on, by name (channels/list.ts). */
  channels: Map<string, Channel>;
  /** Whether a channel that needs a platform account is on (else `npm start` prints a demo web link). */
  hasAccount: boolean;
  /** Listens on PORT/HOST and OPS_PORT/OPS_HOST (0: a free port) and starts the channels (webhooks, polling); returns the public base URL. */
  listen(): Promise<string>;
  /** The operations listener's base URL, once listening. */
  opsUrl(): string;
  /**
   * SIGTERM: new requests get 503 at once (the server keeps listening, so callers get an answer they retry rather
   * than a refused connection), requests in flight (turns) finish, then the server, channels, queues (running
   * jobs finish) and Redis close.
   */
  shutdown(): Promise<void>;
}

export interface BotOptions {
  /** Per-chat pacing of a chat channel's sends (default: the platform's limits); the bench sets it to show the server alone. */
  pace?: Pace;
  /** The `.env` file the configuration was read from, said in the start-up line (its path, never its contents). */
  envFile?: string;
}

const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function createBot(config: Config, log: Logger, opts: BotOptions = {}): Promise<Bot> {
  const core = await createCore(config, log);
  const wiring = createCheckinsFor(core, inviteLinksFor(config));
  const delivery = core.delivery instanceof QueueDelivery ? core.delivery : undefined;
  const metrics = createMetrics({ backlog: delivery && (() => delivery.counts()) });
  metrics.observe(core.runner);
  core.redis?.on('error', () => metrics.redisError('core'));
  delivery?.observe({ attempt: metrics.deliveryAttempt, error: () => metrics.redisError('delivery') });

  const app = createServer({ trustProxy: config.TRUST_PROXY, hsts: config.PUBLIC_URL?.startsWith('https:') });
  const redis = core.redis;
  const ops = createOpsServer({
    // Each dependency as it is: without Redis there is nothing to ping, and the probe says so instead of "redis: true".
    ready: {
      ...(redis ? { redis: () => redisReady(redis) } : {}),
      queues: async () => (delivery?.running() ?? true) && (core.timers.running?.() ?? true),
      flows: async () => core.bank.flows.size > 0,
    },
    facts: { storage: redis ? (config.REDIS_CLUSTER_NODES?.length ? 'redis-cluster' : 'redis') : 'memory' },
    draining: () => app.draining(),
    registry: metrics.registry,
  });
  wiring.registerRoutes(app);
  const channels = new Map<string, Channel>();
  for (const def of CHANNELS.filter((c) => c.enabled(config))) {
    channels.set(def.name, await def.create({
      core, app, checkins: wiring.checkins, limiter: wiring.limiter, ...(opts.pace ? { pace: opts.pace } : {}),
      onMalformed: () => metrics.malformed(def.name),
      onError: (code) => metrics.platformError(def.name, code),
    }));
  }
  const hasAccount = CHANNELS.some((c) => c.account && channels.has(c.name));

  return {
    core, app, ops, wiring, metrics, channels, hasAccount,
    async listen() {
      await ops.listen({ port: config.OPS_PORT, host: config.OPS_HOST });
      await app.listen({ port: config.PORT, host: config.HOST });
      for (const channel of channels.values()) await channel.start?.();
      const { port } = app.server.address() as AddressInfo;
      const opsPort = (ops.server.address() as AddressInfo).port;
      const modes = Object.fromEntries(CHANNELS.map((c) => [c.name, channels.get(c.name)?.mode ?? 'off']));
      log.info({ port, opsPort, ...modes, envFile: opts.envFile ?? 'none' }, 'feedbackbot is listening');
      return urlOf(config.HOST, port);
    },
    opsUrl: () => urlOf(config.OPS_HOST, (ops.server.address() as AddressInfo).port),
    async shutdown() {
      log.info('shutting down: refusing new requests, finishing those in flight');
      await app.drain();
      // What answered turns still have to say goes out before the channels stop; what cannot within the bound
      // stays in the outboxes for the next process (their leases lapse).
      await Promise.race([core.outbox.idle(), sleep(OUTBOX_GRACE_MS, undefined, { ref: false })]);
      await app.close();
      await ops.close();
      for (const channel of channels.values()) await channel.stop();
      await wiring.close();
      await core.close();
      log.info('shut down');
    },
  };
}
