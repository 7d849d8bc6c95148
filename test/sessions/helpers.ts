import type { Redis } from 'ioredis';
import { masters, type RedisClient } from '../../src/redis/connect.js';

/** Every key matching `match`, by SCAN (never KEYS), on every master of a cluster. */
export async function scanKeys(client: RedisClient, match: string): Promise<string[]> {
  const found: string[] = [];
  for (const redis of await masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Keys among `keys` that would never expire (TTL -1). */
export async function keysWithoutTtl(redis: RedisClient, keys: string[]): Promise<string[]> {
  const ttls = await Promise.all(keys.map((k) => redis.ttl(k)));
  return keys.filter((_, i) => ttls[i] === -1);
}

/** Counts the commands this connection sends, i.e. its round trips when nothing is pipelined. */
export function countCommands(client: RedisClient): { readonly count: number; reset(): void } {
  // A cluster client sends through its own sendCommand too, once per command (it picks the node after).
  const redis = client as Redis;
  let count = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (...args: Parameters<Redis['sendCommand']>) => {
    count++;
    return send(...args);
  };
  return {
    get count() {
      return count;
    },
    reset: () => void (count = 0),
  };
}

/** Polls `condition` every 20 ms for at most `timeoutMs`; the caller asserts on what it sees afterwards. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
