import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { redisUrl } from '../support/redis.js';
import { buildImage, startBotProcess, WEBHOOK_SECRET } from './support.js';

/**
 * The built server refuses to start, quickly and saying why, when a dependency is not there: one line on stderr
 * naming the variable, where it points and the cause, and a non-zero exit — never a silent hang.
 */

let image: string;
let api: FakeBotApi;
let connector: FakeConnector;
let silent: Server;
let silentRoot: string;
/** A loopback port with nothing listening (taken, then released). */
let closedPort: number;

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  image = await buildImage();
  api = await startFakeBotApi();
  connector = await startFakeConnector({ accessToken: 'access-token', clientSecret: 'the-right-secret' });
  silent = createServer(() => {}); // accepts connections, never answers
  silentRoot = `http://127.0.0.1:${await listen(silent)}`;
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}, 180_000);

afterAll(async () => {
  await api?.close();
  await connector?.close();
  silent?.close();
});

const base = () => ({ NODE_ENV: 'production', PSEUDONYM_KEY: 'p'.repeat(40), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-startup-')) });
const telegram = (apiRoot: string) => ({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_URL: 'http://127.0.0.1:8443/' });

/** Starts the built server and waits for it to exit (each test's timeout bounds the wait); returns the code and stderr's lines. */
async function refusedStart(env: Record<string, string>) {
  const p = startBotProcess(image, env);
  const code = await p.exit;
  return { code, lines: p.stderr.join('').trim().split('\n') };
}

describe('start-up with a dependency missing (node dist/main.js)', () => {
  it('Redis refusing connections: REDIS_URL, its address and "connection refused"', async () => {
    const r = await refusedStart({ ...base(), REDIS_URL: `redis://:hunter2secret@127.0.0.1:${closedPort}` });
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`feedbackbot could not start: REDIS_URL redis://127.0.0.1:${closedPort}: connection refused (ECONNREFUSED)`]);
    expect(r.lines.join('')).not.toContain('hunter2secret');
  }, 20_000);

  it('the Telegram Bot API refusing connections: TELEGRAM_API_ROOT and "connection refused"; the token is never printed', async () => {
    const r = await refusedStart({ ...base(), ...telegram(`http://127.0.0.1:${closedPort}`) });
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`feedbackbot could not start: TELEGRAM_API_ROOT http://127.0.0.1:${closedPort}: connection refused (ECONNREFUSED)`]);
    expect(r.lines.join('')).not.toContain(api.token.split(':')[1]);
  }, 20_000);

  it('a Telegram Bot API that accepts and never answers: a bounded wait, then TELEGRAM_API_ROOT and "no answer"', async () => {
    const r = await refusedStart({ ...base(), ...telegram(silentRoot) });
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`feedbackbot could not start: TELEGRAM_API_ROOT ${silentRoot}: no answer within 8 s`]);
  }, 20_000);

  it('a token the Bot API refuses: TELEGRAM_BOT_TOKEN and the API\'s answer', async () => {
    const r = await refusedStart({ ...base(), ...telegram(api.apiRoot), TELEGRAM_BOT_TOKEN: '999999:unknown-token-0123456789abcdef' });
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(new RegExp(`^feedbackbot could not start: TELEGRAM_BOT_TOKEN ${api.apiRoot}: the Bot API refused the token \\(40[14] `));
    expect(r.lines[0]).not.toContain('unknown-token');
  }, 20_000);
});

describe('start-up with Teams credentials the token endpoint refuses (node dist/main.js)', () => {
  const APP_ID = '00000000-0000-4000-8000-00000000aaaa';
  const teams = (password: string, tokenUrl = connector.tokenUrl!) => ({ ...base(), NODE_ENV: 'test', MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: password, BOT_FRAMEWORK_TOKEN_URL: tokenUrl });

  it('a wrong secret: MICROSOFT_APP_PASSWORD, the endpoint and Entra ID\'s code; the secret is never printed', async () => {
    const r = await refusedStart(teams('a-wrong-secret'));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`feedbackbot could not start: MICROSOFT_APP_PASSWORD ${connector.tokenUrl}: the secret was refused (wrong or expired) (401 AADSTS7000215)`]);
    expect(r.lines.join('')).not.toContain('a-wrong-secret');
  }, 20_000);

  it('an unreachable token endpoint: its address and "connection refused"', async () => {
    const url = `http://127.0.0.1:${closedPort}/botframework.com/oauth2/v2.0/token`;
    const r = await refusedStart(teams('the-right-secret', url));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`feedbackbot could not start: MICROSOFT_APP_PASSWORD ${url}: connection refused (ECONNREFUSED)`]);
  }, 20_000);

  it('the right secret: the bot starts', async () => {
    const p = startBotProcess(image, teams('the-right-secret'));
    await expect(p.base).resolves.toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    p.child.kill('SIGTERM');
    await p.exit;
  }, 20_000);
});

describe('.env', () => {
  it('is read from the working directory, named in the start-up line; variables already set win over it', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    writeFileSync(join(image, '.env'), `PORT=${port}\nLOG_LEVEL=silent\n`);
    const { PORT: _unset, ...env } = base();
    const p = startBotProcess(image, { ...env, REDIS_URL: redisUrl(9) });
    try {
      expect(await p.base).toBe(`http://127.0.0.1:${port}`); // PORT came from the file
      const line = p.logs.find((l) => l.msg === 'feedbackbot is listening')!; // logged at all: LOG_LEVEL=info from the environment won
      expect(line.envFile).toBe(join(image, '.env'));
    } finally {
      p.child.kill('SIGTERM');
      await p.exit;
      rmSync(join(image, '.env'));
    }
  }, 30_000);
});
