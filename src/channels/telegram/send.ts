import { GrammyError, type Transformer } from 'grammy';
import { sleep, type Pace } from '../kit/lanes.js';

/**
 * Sending to Telegram politely: flood waits (429 `retry_after`) are honoured by waiting and trying again a few
 * times; the chat lanes (../kit/lanes.ts) keep each chat at about one message per second.
 */

export const DEFAULT_PACE: Pace = { intervalMs: 1000, burst: 3 };

/** Longest flood wait honoured per attempt; Telegram asks for seconds, rarely minutes. */
const MAX_WAIT_S = 60;

/**
 * An API transformer (`bot.api.config.use`): on 429 it waits `retry_after` seconds and repeats the call,
 * at most `retries` times; then the 429 reaches the caller like any other error.
 */
export function retryAfter(retries = 3, wait: (ms: number) => Promise<void> = sleep): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || res.error_code !== 429 || attempt >= retries) return res;
      await wait(Math.min(res.parameters?.retry_after ?? 1, MAX_WAIT_S) * 1000);
    }
  };
}

/** The user blocked the bot or deleted their account: stop writing to that chat. */
export const isBlocked = (err: unknown) => err instanceof GrammyError && err.error_code === 403;
/** Editing a message into what it already is: nothing to do. */
export const isNotModified = (err: unknown) => err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);
