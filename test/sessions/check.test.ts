import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedis } from '../../src/sessions/check.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import { redisUrl } from '../support/redis.js';
import { countCommands } from './helpers.js';

/** Resolves once the server says it accepts connections; gives up after 5 s. */
async function ready(server: ChildProcess): Promise<void> {
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${log}`)), 5000);
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)));
  });
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('checkRedis against the test server', () => {
  let redis: Redis;
  let original: string | undefined;

  async function policy(): Promise<string> {
    const [, value] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    return value;
  }

  beforeAll(async () => {
    redis = new Redis(redisUrl(1), { maxRetriesPerRequest: 1 });
    original = await policy();
  });
  afterAll(async () => {
    if (original) await redis.config('SET', 'maxmemory-policy', original);
    await redis.quit();
  });

  it('accepts noeviction and reports the version', async () => {
    expect(original).toBe('noeviction');
    const report = await checkRedis(redis);
    expect(report).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), maxmemoryPolicy: 'noeviction' });
  });

  it('refuses an evicting policy and says what to change', async () => {
    try {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await expect(checkRedis(redis)).rejects.toThrow(/"allkeys-lru".*CONFIG SET maxmemory-policy noeviction/);
    } finally {
      await redis.config('SET', 'maxmemory-policy', original!);
    }
    expect(await policy()).toBe('noeviction');
  });

  it('reads CONFIG replies in either ioredis reply mapping', async () => {
    const resp3 = new Redis(redisUrl(1), { maxRetriesPerRequest: 1, replyMapping: 'resp3' });
    try {
      expect((await checkRedis(resp3)).maxmemoryPolicy).toBe('noeviction');
    } finally {
      await resp3.quit();
    }
  });
});

/** A throwaway redis-server whose CONFIG command is renamed away, as on managed Redis. */
describe('checkRedis when CONFIG is disabled', () => {
  const secretConfig = `config-${randomUUID()}`;
  let server: ChildProcess;
  let redis: Redis;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--rename-command', 'CONFIG', secretConfig], { stdio: ['ignore', 'pipe', 'inherit'] });
    await ready(server);
    redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
    if (server?.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill();
      await exited;
    }
  });

  it('falls back to INFO memory and accepts noeviction', async () => {
    await expect(redis.config('GET', 'maxmemory-policy')).rejects.toThrow(/unknown command/);
    expect((await checkRedis(redis)).maxmemoryPolicy).toBe('noeviction');
  });

  it('falls back to INFO memory and refuses an evicting policy', async () => {
    await redis.call(secretConfig, 'SET', 'maxmemory-policy', 'volatile-lru');
    await expect(checkRedis(redis)).rejects.toThrow(/"volatile-lru".*noeviction/);
  });

  it('a server that does not know the scripts yet: the source is sent once, then one round trip each', async () => {
    const store = new RedisSessionStore({ redis, prefix: 'fresh' });
    await redis.script('FLUSH');
    const counter = countCommands(redis);
    expect(await store.save('k', { step: 1 }, 0, 60)).toBe('ok');
    expect(counter.count).toBe(2); // EVALSHA → NOSCRIPT, then EVAL
    counter.reset();
    expect(await store.save('k', { step: 2 }, 1, 60)).toBe('ok');
    expect(counter.count).toBe(1);
    expect(await store.load('k')).toEqual({ state: { step: 2 }, rev: 2 });
  });
});
