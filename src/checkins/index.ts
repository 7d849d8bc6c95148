import type { FastifyInstance } from 'fastify';
import { outboundOf, type Core } from '../app.js';
import { createFollowUpDelivery, createFollowUpSchedule } from './followups.js';
import { MemoryCheckinStore } from './memory-store.js';
import { memoryReachStore, redisReachStore } from './reach.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { RedisCheckinStore } from './redis-store.js';
import type { InviteLink } from './port.js';
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
  /** Registers the `/v1/checkins` routes when `CHECKIN_API_TOKENS` is set; returns whether it did. */
  registerRoutes(app: FastifyInstance): boolean;
  /** Stops the follow-up worker and queue. */
  close(): Promise<void>;
}

/**
 * With the runner and the channels' outbound senders (the bot), this process also delivers due follow-ups;
 * without them (the CLI) it only plans them, and a running bot delivers.
 */
export function createCheckinsFor(
  core: Pick<Core, 'config' | 'bank' | 'redis' | 'log'> & Partial<Pick<Core, 'runner' | 'outbound'>>,
  links: readonly InviteLink[] = [],
): CheckinsWiring {
  const { config, bank, redis, log, runner, outbound } = core;
  const limiter = createRateLimiter({ redis });
  // Follow-ups and check-ins need each other: a due follow-up is delivered by `deliver` below, made once the service exists.
  const schedule = createFollowUpSchedule({ redis, log, ...(runner && outbound ? { deliver: (id: string) => deliver!(id) } : {}) });
  const ttlSeconds = config.FOLLOWUP_TTL_DAYS * 24 * 3600;
  const checkins = createCheckins({
    store: redis ? new RedisCheckinStore({ redis }) : new MemoryCheckinStore(),
    bank,
    defaultLocale: config.DEFAULT_LOCALE,
    links,
    publicUrl: config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`,
    secret: config.PSEUDONYM_KEY,
    redeemLimits: { limiter },
    followUps: {
      reach: redis ? redisReachStore(redis) : memoryReachStore(),
      ttlSeconds,
      // The CLI has no channels: it plans follow-ups for the bot, which knows its own.
      canWriteFirst: (key) => {
        const channel = outbound && outboundOf(outbound, key);
        return channel !== undefined && channel.writesFirst !== false;
      },
      keep: async (key, seconds) => outbound && outboundOf(outbound, key)?.keep(key, seconds),
      schedule: (id, when) => schedule.at(id, when),
    },
  });
  const deliver = runner && outbound ? createFollowUpDelivery({ checkins, runner, outbound, log }) : undefined;
  // A check-in's status follows its conversation; a failed update is logged, never a failed turn for the respondent.
  runner?.observe({
    async saved(turn, result) {
      try {
        await checkins.onEvents(turn.key, result.events, result.state);
      } catch (err) {
        log.warn({ err: (err as Error).message, checkin: result.state?.context.checkin.id }, 'check-in status update failed');
      }
    },
  });
  return {
    checkins,
    limiter,
    registerRoutes(app) {
      const tokens = config.CHECKIN_API_TOKENS ?? [];
      if (tokens.length) registerCheckinRoutes(app, { checkins, tokens, rateLimit: { limiter } });
      return tokens.length > 0;
    },
    close: () => schedule.close(),
  };
}
