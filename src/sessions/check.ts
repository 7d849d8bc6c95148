import type { Redis } from 'ioredis';
import { masters, type RedisClient } from '../redis/connect.js';

/**
 * Refusals made before anything is written: a Redis that may evict keys, a Redis too old for the commands the
 * stores use, and save arguments that would corrupt or silently drop a conversation.
 */

export interface RedisReport {
  version: string;
  maxmemoryPolicy: string;
}

/** `GETDEL` (the web chat's flash messages) needs 6.2; `noeviction` must be in force everywhere. */
const MINIMUM_VERSION = [6, 2] as const;

/**
 * Refuses a Redis that could lose conversations or queued responses and reports its version; on Cluster, every
 * master is held to it (a key may land on any of them).
 * An evicting `maxmemory-policy` (`allkeys-*`, `volatile-*`) drops keys under memory pressure without an
 * error, which would lose answers silently — only `noeviction` (writes fail loudly instead) is accepted.
 * Managed Redis often disables `CONFIG`; the policy is then read from `INFO memory`.
 */
export async function checkRedis(redis: RedisClient): Promise<RedisReport> {
  const reports = [];
  for (const server of await masters(redis)) reports.push(await checkServer(server));
  return reports[0]!;
}

async function checkServer(redis: Redis): Promise<RedisReport> {
  const version = infoField(await redis.info('server'), 'redis_version');
  if (!version) throw new Error('Redis did not report redis_version in INFO server; is this a Redis server?');
  if (olderThan(version, MINIMUM_VERSION)) {
    throw new Error(`Redis ${version} is too old: feedbackbot needs Redis ${MINIMUM_VERSION.join('.')} or later (GETDEL). Upgrade the server.`);
  }
  const maxmemoryPolicy = await readPolicy(redis);
  if (maxmemoryPolicy !== 'noeviction') {
    throw new Error(
      `Redis maxmemory-policy is "${maxmemoryPolicy}", which evicts keys under memory pressure and would silently lose ` +
        'conversations and queued responses. Set it to noeviction: run "CONFIG SET maxmemory-policy noeviction" and put ' +
        '"maxmemory-policy noeviction" in redis.conf (on managed Redis, set the parameter maxmemory-policy to noeviction).',
    );
  }
  return { version, maxmemoryPolicy };
}

async function readPolicy(redis: Redis): Promise<string> {
  const fromConfig = await configGet(redis, 'maxmemory-policy');
  const policy = fromConfig ?? infoField(await redis.info('memory'), 'maxmemory_policy');
  if (!policy) {
    throw new Error('Cannot read maxmemory-policy (CONFIG GET is disabled and INFO memory has no maxmemory_policy). Make sure the server runs with maxmemory-policy noeviction and allows one of the two.');
  }
  return policy;
}

/** `CONFIG GET` value, or undefined when the command is disabled or renamed (managed Redis). */
async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  let reply: unknown;
  try {
    reply = await redis.config('GET', name);
  } catch {
    return undefined;
  }
  // ioredis' default reply mapping gives [name, value]; replyMapping "resp3" gives { name: value }.
  const value = Array.isArray(reply) ? reply[1] : (reply as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

function olderThan(version: string, [major, minor]: readonly [number, number]): boolean {
  const [vMajor = 0, vMinor = 0] = version.split('.').map(Number);
  return vMajor < major || (vMajor === major && vMinor < minor);
}

/**
 * Validates a save and returns the state as JSON. Shared by both stores so they refuse the same things:
 * a TTL ≤ 0 would make Redis delete the key at once (and a fractional one is truncated), and a state
 * that is not JSON cannot survive a restart.
 */
export function encodeForSave(state: unknown, expectedRev: number, ttlSeconds: number): string {
  if (!Number.isSafeInteger(expectedRev) || expectedRev < 0) throw new RangeError(`expectedRev must be an integer ≥ 0, got ${expectedRev}`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  const json = JSON.stringify(state);
  if (json === undefined) throw new TypeError('state must be JSON-serialisable');
  return json;
}
