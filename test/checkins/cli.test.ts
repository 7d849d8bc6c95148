import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckinCli } from '../../src/checkins/cli.js';
import { MemoryCheckinStore } from '../../src/checkins/memory-store.js';
import { RedisCheckinStore } from '../../src/checkins/redis-store.js';
import { createCheckins } from '../../src/checkins/service.js';
import { inviteLinksFor } from '../../src/channels/list.js';
import { loadConfig } from '../../src/config.js';
import { loadTestBank } from '../support/engine.js';
import { redisUrl } from '../support/redis.js';
import { SECRET } from './harness.js';

/** `npm run checkin -- …`: the real script against Redis database 4, and its argument handling in-process. */
const { bank } = loadTestBank();
const redis = new Redis(redisUrl(4), { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

function run(argv: string[], { durable = true, tty = false } = {}) {
  const lines: string[] = [];
  const checkins = createCheckins({ store: new MemoryCheckinStore(), bank, defaultLocale: 'nl', links: inviteLinksFor(loadConfig({ NODE_ENV: 'test' })) });
  return runCheckinCli(argv, { checkins, durable, tty, out: (l) => lines.push(l) }).then((code) => ({ code, out: lines.join('\n') }));
}

describe('checkin CLI', () => {
  it('npm run checkin prints the deep link, the web link and a terminal QR; the link redeems on the bot\'s Redis', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', REDIS_URL: redisUrl(4), PSEUDONYM_KEY: SECRET, TELEGRAM_BOT_USERNAME: 'fb_cli_bot', LOG_LEVEL: 'silent' };
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'checkin', '--', '--flow', 'parent-checkin', '--role', 'parent', '--case', 'ABC123'], { env, timeout: 60_000 });
    const token = /https:\/\/t\.me\/fb_cli_bot\?start=([A-Za-z0-9_-]{32})/.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect(stdout).toContain(`web:      http://127.0.0.1:3000/c/${token}`);
    expect(stdout).toContain('▄');
    expect(stdout).not.toContain('\x1b['); // piped: no colour codes
    const bot = createCheckins({ store: new RedisCheckinStore({ redis }), bank, defaultLocale: 'nl', secret: SECRET });
    const redeemed = await bot.redeem(token!, { conversationKey: 'tg:cli', pseudonym: 'cli', channel: 'telegram' });
    expect(redeemed).toMatchObject({ ok: true, info: { caseRef: 'ABC123', flow: 'parent-checkin', role: 'parent' } });
  });

  it('without Redis it refuses (exit 2) and prints no link: the check-in would die with this process', async () => {
    const { code, out } = await run(['--flow', 'child-checkin', '--role', 'child', '--age-band', 'teen', '--case', 'X1', '--web'], { durable: false });
    expect(code).toBe(2);
    expect(out).toMatch(/^REDIS_URL is not set: a check-in must be stored in the Redis the running bot uses/);
    expect(out).not.toMatch(/http|t\.me|▄/);
  });

  it('the QR code keeps its colour codes in a terminal only', async () => {
    const argv = ['--flow', 'child-checkin', '--role', 'child', '--age-band', 'teen', '--case', 'X1', '--web'];
    const [terminal, piped] = [await run(argv, { tty: true }), await run(argv)];
    expect(terminal.out).toContain('\x1b[');
    expect(piped.out).not.toContain('\x1b[');
    expect(piped.out).toContain('▄');
  });

  it('exits 2 with one line per field problem, and on unknown options', async () => {
    const bad = await run(['--flow', 'child-checkin', '--role', 'child', '--case', 'X1', '--hours', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('respondent.ageBand: ageBand is required for a child (young or teen)');
    expect(bad.out).toContain('expiresInHours: expiresInHours must be a number');
    expect((await run(['--colour', 'red'])).code).toBe(2);
  });
});
