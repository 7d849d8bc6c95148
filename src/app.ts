import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createEngine, type Engine } from './conversation/engine.js';
import { createRunner, type Conversation, type Runner, type RunnerDeps } from './conversation/runner.js';
import type { Prompt } from './conversation/types.js';
import { createDelivery, type Delivery } from './delivery/index.js';
import { createTexts, type Texts } from './i18n.js';
import { createPseudonymiser, type Pseudonymise } from './pseudonym.js';
import { checkRedis } from './sessions/check.js';
import { MemorySessionStore } from './sessions/memory.js';
import { RedisSessionStore } from './sessions/redis.js';
import type { SessionStore } from './sessions/store.js';
import { createMemoryTimers, createRedisTimers, type ConversationTimers } from './sessions/timers.js';
import { loadBank, type Bank } from './survey/load.js';

/**
 * The core, composed: flows and texts loaded once, the engine, the session store (Redis or memory), the
 * delivery (BullMQ or the JSONL file), reminders, and the runner that ties them. Channels plug in on top.
 */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Sends prompts to a conversation the bot was not answering (reminders, proactive check-ins), per channel. */
export type Outbound = (key: string, prompts: Prompt[]) => Promise<void>;

export interface Core {
  config: Config;
  log: Logger;
  bank: Bank;
  texts: Texts;
  engine: Engine;
  store: SessionStore<Conversation>;
  delivery: Delivery;
  timers: ConversationTimers;
  runner: Runner;
  pseudonymise: Pseudonymise;
  redis?: Redis;
  sinkDescription: string;
  /** Channels register a sender for their key prefix ("tg", "teams", "web"): `outbound.set('tg', send)`. */
  outbound: Map<string, Outbound>;
  close(): Promise<void>;
}

export interface CoreOptions {
  flowDirs?: string[];
  localeDirs?: string[];
  onEvents?: RunnerDeps['onEvents'];
}

export async function createCore(config: Config, log: Logger, opts: CoreOptions = {}): Promise<Core> {
  const bank = loadBank({ flowDirs: opts.flowDirs ?? [`${ROOT}flows`], localeDirs: opts.localeDirs ?? [`${ROOT}locales`] });
  const texts = createTexts(bank.resources);
  const engine = createEngine(bank, texts);
  const { pseudonymise, generated } = createPseudonymiser(config.PSEUDONYM_KEY);
  if (generated) log.warn('PSEUDONYM_KEY is not set: pseudonyms change at every restart');

  let redis: Redis | undefined;
  let store: SessionStore<Conversation>;
  if (config.REDIS_URL) {
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
    await redis.connect();
    await checkRedis(redis).catch((err: unknown) => {
      redis!.disconnect(); // a refused start leaves no connection open
      throw err;
    });
    store = new RedisSessionStore<Conversation>({ redis });
  } else {
    log.warn('REDIS_URL is not set: conversations live in this process only (embedded default)');
    store = new MemorySessionStore<Conversation>();
  }
  const delivery = await createDelivery({
    redis, url: config.RESPONSES_WEBHOOK_URL, secrets: config.RESPONSES_WEBHOOK_SECRET, safetyUrl: config.SAFETY_WEBHOOK_URL,
    retryDelaysMs: config.DELIVERY_RETRY_DELAYS_MS, dataDir: config.DATA_DIR, log,
  });
  const sinkDescription = redis && config.RESPONSES_WEBHOOK_URL ? 'the responses webhook (queued)' : `${config.DATA_DIR}/responses.jsonl`;

  let runner: Runner | undefined;
  const outbound = new Map<string, Outbound>();
  /** A fired timer is a turn like any other; what it says (a reminder) goes out through the channel's sender. */
  const onTimer = async (key: string, kind: 'reminder' | 'expire') => {
    const { prompts } = await runner!.handle({ key, input: { kind: 'timer', timer: kind } });
    const send = outbound.get(key.slice(0, key.indexOf(':')));
    if (send && prompts.length) await send(key, prompts);
  };
  const timers = redis ? createRedisTimers({ connection: redis, handler: onTimer }) : createMemoryTimers({ handler: onTimer });
  runner = createRunner({ bank, engine, texts, store, delivery, timers, log, timerScale: config.TIMER_SCALE, onEvents: opts.onEvents });

  return {
    config, log, bank, texts, engine, store, delivery, timers, runner, pseudonymise, redis, sinkDescription, outbound,
    async close() {
      await timers.close();
      await delivery.close();
      if (store instanceof MemorySessionStore) store.close();
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    },
  };
}
