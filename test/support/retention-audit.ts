import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { kindOf } from '../../src/ops/retention.js';

/**
 * Walks every key of a Redis database after a test file's full runs and holds each to the documented retention
 * (src/ops/retention.ts): a documented kind, a TTL unless the kind may go without, no TTL beyond the promise, and
 * none of the texts the test typed in a kind that must not hold answers.
 */
export async function auditRetention(url: string, typed: readonly string[]): Promise<{ keys: number }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let keys = 0;
  try {
    for await (const batch of redis.scanStream({ count: 500 }) as AsyncIterable<string[]>) {
      for (const key of batch) {
        keys++;
        const kind = kindOf(key);
        if (!kind) {
          problems.push(`${key}: not a documented kind`);
          continue;
        }
        seen.set(kind.kind, (seen.get(kind.kind) ?? 0) + 1);
        const ttl = await redis.ttl(key);
        if (ttl === -1 && !kind.noTtl) problems.push(`${key} (${kind.kind}): no TTL`);
        if (ttl > kind.maxTtl) problems.push(`${key} (${kind.kind}): TTL ${ttl} s > ${kind.maxTtl} s promised`);
        if (!kind.answers && typed.length) {
          const value = await valueOf(redis, key);
          const found = typed.find((t) => value.includes(t));
          if (found) problems.push(`${key} (${kind.kind}): holds typed text "${found}"`);
        }
      }
    }
  } finally {
    redis.disconnect();
  }
  console.log(JSON.stringify({ retentionAudit: url.replace(/^.*\//, 'db '), keys, kinds: Object.fromEntries(seen) }));
  expect(problems).toEqual([]);
  return { keys };
}

async function valueOf(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1'));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    default:
      return '';
  }
}
