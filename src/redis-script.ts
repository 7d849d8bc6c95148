import { createHash } from 'node:crypto';
import type { RedisClient } from './redis/connect.js';

/**
 * A Lua script sent by SHA1 (one round trip); the source is sent only when the server does not know it yet.
 * Every Lua script of the bot (sessions, timers, check-ins, rate limits, the delivery ledger) runs through it.
 */
export class Script {
  readonly #sha: string;

  constructor(readonly source: string) {
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Replies with strings. */
  run(redis: RedisClient, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    return this.#call(() => redis.evalsha(this.#sha, keys.length, ...keys, ...args), () => redis.eval(this.source, keys.length, ...keys, ...args));
  }

  /** Replies with Buffers (binary values). */
  runBuffer(redis: RedisClient, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    return this.#call(() => redis.callBuffer('EVALSHA', this.#sha, keys.length, ...keys, ...args), () => redis.callBuffer('EVAL', this.source, keys.length, ...keys, ...args));
  }

  async #call(bySha: () => Promise<unknown>, bySource: () => Promise<unknown>): Promise<unknown> {
    try {
      return await bySha();
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return bySource();
    }
  }
}
