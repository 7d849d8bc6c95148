import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createCore, type Core } from '../app.js';
import { createTeamsChannel, teamsEnabled, type TeamsChannel } from '../channels/teams/channel.js';
import { createTelegramChannel, type TelegramChannel } from '../channels/telegram/channel.js';
import type { Pace } from '../channels/kit/lanes.js';
import { createWhatsAppChannel, whatsappEnabled, type WhatsAppChannel } from '../channels/whatsapp/channel.js';
import { createWebChannel } from '../channels/web/channel.js';
import { createCheckinsFor, type CheckinsWiring } from '../checkins/index.js';
import type { Config } from '../config.js';
import { QueueDelivery } from '../delivery/queue.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createOpsServer } from './ops.js';
import { createServer } from './server.js';

/**
 * The bot as `npm start` serves it: core, check-ins, metrics and every configured channel on the one HTTP server.
 * Split from main.ts so tests compose exactly what production runs (with their own logger) and stop it the same way.
 */
export interface Bot {
  core: Core;
  app: FastifyInstance;
  /** The operations listener (`OPS_PORT`): /healthz, /readyz, /metrics. */
  ops: FastifyInstance;
  wiring: CheckinsWiring;
  metrics: Metrics;
  telegram?: TelegramChannel;
  teams?: TeamsChannel;
  whatsapp?: WhatsAppChannel;
  /** Listens on PORT/HOST and OPS_PORT/OPS_HOST (0: a free port) and registers the Telegram webhook; returns the public base URL. */
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
  /** Per-chat pacing of Telegram sends (default: Telegram's limits); the bench sets it to show the server alone. */
  telegramPace?: Pace;
  /** The `.env` file the configuration was read from, said in the start-up line (its path, never its contents). */
  envFile?: string;
}

const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export async function createBot(config: Config, log: Logger, opts: BotOptions = {}): Promise<Bot> {
  const core = await createCore(config, log);
  const wiring = createCheckinsFor(core);
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
      ...(redis ? { redis: async () => (await redis.ping()) === 'PONG' } : {}),
      queues: async () => (delivery?.running() ?? true) && (core.timers.running?.() ?? true),
      flows: async () => core.bank.flows.size > 0,
    },
    facts: { storage: redis ? 'redis' : 'memory' },
    draining: () => app.draining(),
    registry: metrics.registry,
  });
  wiring.registerRoutes(app);
  createWebChannel({ core, app, checkins: wiring.checkins, limiter: wiring.limiter });
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? createTelegramChannel({ core, app, checkins: wiring.checkins, token: config.TELEGRAM_BOT_TOKEN, secret: config.TELEGRAM_WEBHOOK_SECRET, apiRoot: config.TELEGRAM_API_ROOT, publicUrl: config.PUBLIC_URL, onMalformed: () => metrics.malformed('telegram'), ...(opts.telegramPace ? { pace: opts.telegramPace } : {}) })
    : undefined;
  const teams = teamsEnabled(config) ? await createTeamsChannel({ core, app, checkins: wiring.checkins, onMalformed: () => metrics.malformed('teams') }) : undefined;
  const whatsapp = whatsappEnabled(config)
    ? createWhatsAppChannel({ core, app, checkins: wiring.checkins, onMalformed: () => metrics.malformed('whatsapp'), onError: (code) => metrics.platformError('whatsapp', code) })
    : undefined;

  return {
    core, app, ops, wiring, metrics, telegram, teams, whatsapp,
    async listen() {
      await ops.listen({ port: config.OPS_PORT, host: config.OPS_HOST });
      await app.listen({ port: config.PORT, host: config.HOST });
      await telegram?.start();
      const { port } = app.server.address() as AddressInfo;
      const opsPort = (ops.server.address() as AddressInfo).port;
      log.info({ port, opsPort, telegram: telegram?.mode ?? 'off', teams: Boolean(teams), whatsapp: Boolean(whatsapp), envFile: opts.envFile ?? 'none' }, 'feedbackbot is listening');
      return urlOf(config.HOST, port);
    },
    opsUrl: () => urlOf(config.OPS_HOST, (ops.server.address() as AddressInfo).port),
    async shutdown() {
      log.info('shutting down: refusing new requests, finishing those in flight');
      await app.drain();
      await app.close();
      await ops.close();
      await telegram?.stop();
      await teams?.stop();
      await whatsapp?.stop();
      await wiring.close();
      await core.close();
      log.info('shut down');
    },
  };
}
