import type { Logger } from 'pino';
import type { Config } from './config.js';
import { connectRedis, describeTarget, type RedisClient } from './redis/connect.js';
import { ROOT } from './root.js';
import { createEngine, type Engine } from './conversation/engine.js';
import { createOutboxSender, type Outgoing, type OutboxSender } from './turns/outbox.js';
import { createRunner, type Conversation, type Runner } from './turns/runner.js';
import type { Prompt } from './conversation/types.js';
import type { Locale } from './survey/schema.js';
import { createDelivery, type Delivery } from './delivery/index.js';
import { withSignalWindow } from './delivery/signal-window.js';
import { createTexts, type Texts } from './i18n.js';
import { createPseudonymiser, type Pseudonymise } from './pseudonym.js';
import { checkRedis } from './sessions/check.js';
import { causeOf, printableUrl, within } from './startup.js';
import { MemorySessionStore } from './sessions/memory.js';
import { RedisSessionStore } from './sessions/redis.js';
import type { SessionStore } from './sessions/store.js';
import { createMemoryTimers, createRedisTimers, type ConversationTimers } from './sessions/timers.js';
import { loadBank, type Bank } from './survey/load.js';

/**
 * The core, composed: flows and texts loaded once, the engine, the session store (Redis or memory), the
 * delivery (BullMQ or the JSONL file), reminders, and the runner that ties them. Channels plug in on top.
 */

/** How a channel writes first in a conversation (reminders, follow-up check-ins); registered per key prefix. */
export interface Outbound {
  /**
   * Says prompts in a conversation the bot was not answering; `about` names the check-in they open. `unreachable`:
   * the channel no longer knows the conversation, or the person blocked the bot.
   */
  send(key: string, prompts: Prompt[], about?: { checkinId: string; lng: Locale }): Promise<'sent' | 'unreachable'>;
  /** Keeps what the channel needs to write to this conversation for at least `seconds` (consent to follow-ups). */
  keep(key: string, seconds: number): Promise<void>;
  /** False when the channel cannot write first weeks later (WhatsApp without a check-in template): consent is not asked. */
  writesFirst?: boolean;
  /**
   * Says one saved turn's output (from the outbox, see turns/outbox.ts); a channel that has it asks for
   * `outbox` on its turns and answers the platform without waiting for the sending.
   */
  say?(key: string, entry: Outgoing): Promise<void>;
}

/** The channel that writes first in conversation `key`: its sender is registered under the key's prefix (`tg:…`). */
export const outboundOf = (outbound: Map<string, Outbound>, key: string): Outbound | undefined => outbound.get(key.slice(0, key.indexOf(':')));

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
  redis?: RedisClient;
  sinkDescription: string;
  /** Channels that can write first register for their key prefix ("tg", "teams"): `outbound.set('tg', {send, keep})`. */
  outbound: Map<string, Outbound>;
  /** Says what saved turns left in their outboxes, through the channel registered for each key. */
  outbox: OutboxSender;
  close(): Promise<void>;
}

export interface CoreOptions {
  flowDirs?: string[];
  localeDirs?: string[];
}

export async function createCore(config: Config, log: Logger, opts: CoreOptions = {}): Promise<Core> {
  const bank = loadBank({ flowDirs: opts.flowDirs ?? [`${ROOT}flows`], localeDirs: opts.localeDirs ?? [`${ROOT}locales`] });
  const texts = createTexts(bank.resources, config.DEFAULT_LOCALE);
  const engine = createEngine(bank, texts, { defaultLocale: config.DEFAULT_LOCALE, timerScale: config.TIMER_SCALE });
  const { pseudonymise, generated } = createPseudonymiser(config.PSEUDONYM_KEY);
  if (generated) log.warn('PSEUDONYM_KEY is not set: pseudonyms change at every restart');

  const redis = connectRedis(config, { maxRetriesPerRequest: null, enableOfflineQueue: false, lazyConnect: true });
  let store: SessionStore<Conversation>;
  if (redis) {
    const variable = config.REDIS_CLUSTER_NODES?.length ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL';
    let refused: Error | undefined;
    redis.on('error', (err) => {
      refused = err;
      log.warn({ err: err.message }, 'redis error');
    });
    const connection = redis;
    await within(
      // ioredis rejects with "Connection is closed."; the cause (refused, unknown host) came as an 'error' event
      { variable, address: config.REDIS_URL ? printableUrl(config.REDIS_URL) : describeTarget(config), describe: () => (refused ? { variable, reason: causeOf(refused) } : undefined) },
      async () => {
        await connection.connect();
        await checkRedis(connection);
      },
    ).catch((err: unknown) => {
      connection.disconnect(); // a refused start leaves no connection open
      throw err;
    });
    store = new RedisSessionStore<Conversation>({ redis });
  } else {
    log.warn('REDIS_URL is not set (nor REDIS_CLUSTER_NODES): conversations live in this process only (embedded default)');
    store = new MemorySessionStore<Conversation>();
  }
  const delivery = await createDelivery({
    redis, url: config.RESPONSES_WEBHOOK_URL, secrets: config.RESPONSES_WEBHOOK_SECRET, safetyUrl: config.SAFETY_WEBHOOK_URL,
    retryDelaysMs: config.DELIVERY_RETRY_DELAYS_MS, dataDir: config.DATA_DIR, log,
  });
  const sinkDescription = redis && config.RESPONSES_WEBHOOK_URL ? 'the responses webhook (queued)' : `${config.DATA_DIR}/responses.jsonl`;

  const outbound = new Map<string, Outbound>();
  /**
   * A fired timer is a turn like any other; what it says (a reminder) goes out through the channel's sender.
   * Timers and turns need each other: timers only fire once polling runs, after `runner` below exists.
   */
  const onTimer = async (key: string, kind: 'reminder' | 'expire') => {
    const channel = outboundOf(outbound, key);
    const { prompts, queued } = await runner.handle({ key, input: { kind: 'timer', timer: kind }, ...(channel?.say ? { outbox: {} } : {}) });
    if (!queued && channel && prompts.length) await channel.send(key, prompts);
  };
  const timers = redis ? createRedisTimers({ connection: redis, handler: onTimer }) : createMemoryTimers({ handler: onTimer });
  const outbox = createOutboxSender({
    outbox: store.outbox, log,
    handles: (key) => !!outboundOf(outbound, key)?.say,
    say: async (key, entry) => {
      const channel = outboundOf(outbound, key);
      if (!channel?.say) throw new Error('no channel says this conversation now');
      await channel.say(key, entry);
    },
  });
  // Safety signals are coalesced per conversation on their way out; the help lines are the engine's and always shown.
  const runner: Runner = createRunner({ bank, engine, texts, store, delivery: withSignalWindow(delivery, { redis }), timers, log, defaultLocale: config.DEFAULT_LOCALE, sender: outbox });

  return {
    config, log, bank, texts, engine, store, delivery, timers, runner, pseudonymise, redis, sinkDescription, outbound, outbox,
    async close() {
      await outbox.close();
      await timers.close();
      await delivery.close();
      if (store instanceof MemorySessionStore) store.close();
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    },
  };
}
