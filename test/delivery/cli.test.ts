import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { DELIVERY_DB } from './support/redis.js';

const run = promisify(execFile);

/** The wiring of `npm run deliveries`; the commands themselves are exercised against real queues in queue.test.ts. */
describe('npm run deliveries', () => {
  it('prints the counts as JSON', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'deliveries', '--', 'status'], { env: { ...process.env, REDIS_URL: redisUrl(DELIVERY_DB) } });
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['response', 'safety', 'dead', 'goneEndpoints']);
  });

  it('says so, and fails, without REDIS_URL', async () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    await expect(run('npm', ['run', '--silent', 'deliveries', '--', 'status'], { env })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/REDIS_URL is not set/) });
  });
});
