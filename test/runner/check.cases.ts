import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { redisUrl } from '../support/redis.js';

/**
 * Start-up check (issue 4.6) where it matters: `createCore` refuses a Redis whose maxmemory-policy evicts keys,
 * with the message that says what to change. The server-wide policy is set for one call and restored.
 * Registered by core.test.ts, one file with the others that start a core.
 */
export function checkCases(): void {
  describe('createCore: start-up checks against Redis', () => {
    let admin: Redis;
    let original: string;
    const config = () => loadConfig({ NODE_ENV: 'test', REDIS_URL: redisUrl(8), DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-check-')) });

    const policy = async () => ((await admin.config('GET', 'maxmemory-policy')) as [string, string])[1];

    beforeAll(async () => {
      admin = new Redis(redisUrl(8), { maxRetriesPerRequest: 1 });
      original = await policy();
    });
    afterAll(async () => {
      await admin.config('SET', 'maxmemory-policy', original);
      await admin.quit();
    });

    it('refuses an evicting maxmemory-policy and says how to fix it', async () => {
      expect(original).toBe('noeviction');
      try {
        await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
        await expect(createCore(config(), pino({ level: 'silent' }))).rejects.toThrow(/"volatile-lru".*CONFIG SET maxmemory-policy noeviction/);
      } finally {
        await admin.config('SET', 'maxmemory-policy', original);
      }
      expect(await policy()).toBe('noeviction');
    });

    it('starts against noeviction', async () => {
      const core = await createCore(config(), pino({ level: 'silent' }));
      try {
        expect(core.redis).toBeDefined();
      } finally {
        await core.close();
      }
    });
  });
}
