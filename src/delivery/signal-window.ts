import type { RedisClient } from '../redis/connect.js';
import type { SafetySignal } from '../survey/payload.js';
import type { Delivery } from './port.js';
import { keys } from '../keys.js';

/**
 * Safety signals of one conversation, coalesced: within a window (10 minutes from the first signal) a signal goes
 * out only when it names a category not signalled yet, and then carries every category of the window. A respondent
 * who keeps typing alarming words (or someone posting them in a loop) makes one delivery per window and category,
 * not one per message. Only the delivery is coalesced: the engine shows the help lines on every signal.
 *
 * The window is recorded after the signal was queued, so a turn that failed to queue is retried with its signal
 * (two racing turns may both send: a duplicate is better than a lost signal). Redis: a set of category names,
 * `fb:sigwin:{<pseudonym>}:<checkin id>`, expiring with the window; without Redis, a map in this process.
 */
export const SIGNAL_WINDOW_SECONDS = 10 * 60;

interface WindowStore {
  seen(key: string): Promise<string[]>;
  record(key: string, categories: string[]): Promise<void>;
}

function redisWindows(redis: RedisClient, seconds: number): WindowStore {
  return {
    seen: (key) => redis.smembers(key),
    async record(key, categories) {
      await redis.multi().sadd(key, ...categories).expire(key, seconds, 'NX').exec();
    },
  };
}

function memoryWindows(seconds: number, now: () => number): WindowStore {
  const windows = new Map<string, { categories: Set<string>; until: number }>();
  const live = (key: string) => {
    const w = windows.get(key);
    if (w && w.until > now()) return w;
    windows.delete(key);
    return undefined;
  };
  return {
    seen: async (key) => [...(live(key)?.categories ?? [])],
    async record(key, categories) {
      const w = live(key) ?? { categories: new Set<string>(), until: now() + seconds * 1000 };
      for (const c of categories) w.categories.add(c);
      windows.set(key, w);
    },
  };
}

export function withSignalWindow(delivery: Delivery, opts: { redis?: RedisClient; seconds?: number; now?: () => number } = {}): Delivery {
  const seconds = opts.seconds ?? SIGNAL_WINDOW_SECONDS;
  const windows = opts.redis ? redisWindows(opts.redis, seconds) : memoryWindows(seconds, opts.now ?? Date.now);
  const keyOf = (s: SafetySignal) => keys.signalWindow(s.respondent.pseudonym, s.checkinId);
  return {
    enqueueResponse: (doc) => delivery.enqueueResponse(doc),
    async enqueueSafety(signal) {
      const key = keyOf(signal);
      const seen = await windows.seen(key);
      if (signal.categories.every((c) => seen.includes(c))) return;
      await delivery.enqueueSafety({ ...signal, categories: [...new Set([...seen, ...signal.categories])] });
      await windows.record(key, signal.categories);
    },
    listFor: (pseudonym) => delivery.listFor(pseudonym),
    forget: (pseudonym) => delivery.forget(pseudonym),
    close: () => delivery.close(),
  };
}
