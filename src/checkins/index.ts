import type { FastifyInstance } from 'fastify';
import type { Core } from '../app.js';
import type { EngineEvent, Snapshot } from '../conversation/types.js';
import { MemoryCheckinStore } from './memory-store.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { RedisCheckinStore } from './redis-store.js';
import { registerCheckinRoutes } from './routes.js';
import { createCheckins, type CheckinsService } from './service.js';

/**
 * Check-ins composed from the core's configuration: the Redis store and counters when `REDIS_URL` is set
 * (several replicas, restarts), memory otherwise (invites work only while this process runs). The composition
 * root calls it once; see docs/checkins.md for the wiring.
 */
export interface CheckinsWiring {
  checkins: CheckinsService;
  /** The shared counters: the API's limits, redemption limits, and whatever channels want to limit. */
  limiter: RateLimiter;
  /** For the runner: a failed status update is logged, never turned into a failed turn for the respondent. */
  onEvents(key: string, events: EngineEvent[], state: Snapshot | undefined): Promise<void>;
  /** Registers the `/v1/checkins` routes when `CHECKIN_API_TOKENS` is set; returns whether it did. */
  registerRoutes(app: FastifyInstance): boolean;
}

export function createCheckinsFor(core: Pick<Core, 'config' | 'bank' | 'redis' | 'log'>): CheckinsWiring {
  const { config, bank, redis, log } = core;
  const limiter = createRateLimiter({ redis });
  const checkins = createCheckins({
    store: redis ? new RedisCheckinStore({ redis }) : new MemoryCheckinStore(),
    bank,
    defaultLocale: config.DEFAULT_LOCALE,
    botUsername: config.TELEGRAM_BOT_USERNAME,
    publicUrl: config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`,
    secret: config.PSEUDONYM_KEY,
    redeemLimits: { limiter },
  });
  return {
    checkins,
    limiter,
    async onEvents(key, events, state) {
      try {
        await checkins.onEvents(key, events, state);
      } catch (err) {
        log.warn({ err: (err as Error).message, checkin: state?.context.checkin.id }, 'check-in status update failed');
      }
    },
    registerRoutes(app) {
      const tokens = config.CHECKIN_API_TOKENS ?? [];
      if (tokens.length) registerCheckinRoutes(app, { checkins, tokens, rateLimit: { limiter } });
      return tokens.length > 0;
    },
  };
}
