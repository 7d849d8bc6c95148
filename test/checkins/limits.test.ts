import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/checkins/rate-limit.js';
import { RedisCheckinStore } from '../../src/checkins/redis-store.js';
import { registerCheckinRoutes } from '../../src/checkins/routes.js';
import { createCheckins, type CheckinsService } from '../../src/checkins/service.js';
import { inviteLinksFor } from '../../src/channels/list.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/http/server.js';
import { loadTestBank } from '../support/engine.js';
import { redisUrl } from '../support/redis.js';
import { apiToken, BOT, client, randomIp, SECRET } from './harness.js';

/**
 * Invite expiry and rate limits, on a server whose check-in service runs on a clock the test moves and whose
 * limits are small: 4 requests per IP and 6 per client a minute; 3 failed redemptions per conversation and 5 per IP.
 * Counters live in Redis database 4 under a prefix of this run.
 */
let redis: Redis;
let app: FastifyInstance;
let checkins: CheckinsService;
let base: string;
let clock = Date.parse('2026-11-02T09:00:00Z');
const token = apiToken();
const body = { flow: 'parent-checkin', caseRef: 'ABC123', respondent: { role: 'parent' } };

beforeAll(async () => {
  redis = new Redis(redisUrl(4), { maxRetriesPerRequest: 1 });
  const limiter = createRateLimiter({ redis, prefix: `t-${randomUUID()}` });
  checkins = createCheckins({
    store: new RedisCheckinStore({ redis }), bank: loadTestBank().bank, defaultLocale: 'nl', now: () => new Date(clock), secret: SECRET,
    publicUrl: 'http://127.0.0.1:3000/', links: inviteLinksFor(loadConfig({ NODE_ENV: 'test', TELEGRAM_BOT_USERNAME: BOT })),
    redeemLimits: { limiter, perConversation: { limit: 3, windowSeconds: 60 }, perIp: { limit: 5, windowSeconds: 60 } },
  });
  app = createServer({ trustProxy: ['loopback'] }); // the test client stands in for a reverse proxy on loopback
  registerCheckinRoutes(app, { checkins, tokens: [token], rateLimit: { limiter, perIp: { limit: 4, windowSeconds: 60 }, perClient: { limit: 6, windowSeconds: 60 } } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  await redis?.quit();
});

const call = () => client(base, { token, ip: randomIp() });
const who = (name = randomUUID()) => ({ conversationKey: `tg:${name}`, pseudonym: name, channel: 'telegram' });

describe('invite expiry', () => {
  it('an invite nobody opened in time reads as expired, stamped at its expiry, and its link says so', async () => {
    const made = (await checkins.create({ ...body, respondent: { role: 'parent' }, expiresInHours: 1 }, 'test')).checkin;
    expect(made.expiresAt).toBe('2026-11-02T10:00:00.000Z');
    clock += 3600_000;
    expect(await checkins.get(made.id)).toMatchObject({ status: 'expired', history: { created: made.createdAt, expired: made.expiresAt } });
    expect(await checkins.redeem(made.token!, who())).toEqual({ ok: false, reason: 'expired' });
  });

  it('a conversation that opened the invite in time may reopen it later; nobody else may', async () => {
    const made = (await checkins.create({ ...body, respondent: { role: 'parent' }, expiresInHours: 1 }, 'test')).checkin;
    const owner = who();
    expect((await checkins.redeem(made.token!, owner)).ok).toBe(true);
    await checkins.onEvents(owner.conversationKey, [{ type: 'checkin.opened', checkinId: made.id }], undefined);
    clock += 2 * 3600_000;
    expect((await checkins.redeem(made.token!, owner)).ok).toBe(true);
    expect(await checkins.redeem(made.token!, who())).toEqual({ ok: false, reason: 'used' });
  });

  it('web links use the configured base without a double slash', async () => {
    const made = (await checkins.create({ ...body, respondent: { role: 'parent' } }, 'test')).checkin;
    expect(checkins.invite(made)?.webLink).toBe(`http://127.0.0.1:3000/c/${made.token}`);
  });
});

describe('API rate limits', () => {
  it('per IP, authenticated or not: the fifth request in the window gets 429 with Retry-After', async () => {
    const ip = randomIp();
    const statuses = [];
    for (const t of [token, apiToken(), undefined, token, token]) statuses.push((await client(base, { ip })('GET', '/v1/checkins/chk_AAAAAAAAAAAAAAAA', { token: t })).status);
    expect(statuses).toEqual([404, 401, 401, 404, 429]);
    const limited = await client(base, { ip, token })('POST', '/v1/checkins', { body });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.json).toMatchObject({ error: 'rate_limited' });
    expect((await call()('POST', '/v1/checkins', { body })).status).not.toBe(429);
  });

  it('per client: a token is limited whatever IPs it comes from', async () => {
    const own = apiToken();
    const scoped = createServer({ trustProxy: ['loopback'] });
    const limiter = createRateLimiter({ redis, prefix: `t-${randomUUID()}` });
    registerCheckinRoutes(scoped, { checkins, tokens: [own], rateLimit: { limiter, perIp: { limit: 100, windowSeconds: 60 }, perClient: { limit: 3, windowSeconds: 60 } } });
    await scoped.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(scoped.server.address() as AddressInfo).port}`;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await client(url, { token: own, ip: randomIp() })('POST', '/v1/checkins', { body })).status);
      expect(statuses).toEqual([201, 201, 201, 429]);
    } finally {
      await scoped.close();
    }
  });
});

describe('TRUST_PROXY off (the default): X-Forwarded-For from the peer is not believed', () => {
  it('a client changing the header at every request does not dodge the per-IP limit', async () => {
    const untrusted = createServer();
    const limiter = createRateLimiter({ redis, prefix: `t-${randomUUID()}` });
    registerCheckinRoutes(untrusted, { checkins, tokens: [token], rateLimit: { limiter, perIp: { limit: 4, windowSeconds: 60 }, perClient: { limit: 100, windowSeconds: 60 } } });
    await untrusted.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(untrusted.server.address() as AddressInfo).port}`;
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await client(url, { token, ip: randomIp() })('POST', '/v1/checkins', { body })).status);
      expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
    } finally {
      await untrusted.close();
    }
  });
});

describe('redemption rate limits (guessing tokens is useless)', () => {
  it('after 3 failures a conversation is refused without a lookup, even with a valid token; others are not', async () => {
    const guesser = who();
    for (let i = 0; i < 3; i++) expect(await checkins.redeem(apiToken(), guesser)).toEqual({ ok: false, reason: 'unknown' });
    const real = (await checkins.create({ ...body, respondent: { role: 'parent' } }, 'test')).checkin;
    expect(await checkins.redeem(real.token!, guesser)).toEqual({ ok: false, reason: 'unknown' });
    expect((await checkins.redeem(real.token!, who())).ok).toBe(true);
  });

  it('after 5 failures from one IP every conversation from it is refused; without that IP it works', async () => {
    const ip = randomIp();
    for (let i = 0; i < 5; i++) await checkins.redeem(apiToken(), { ...who(), ip });
    const real = (await checkins.create({ ...body, respondent: { role: 'parent' } }, 'test')).checkin;
    expect(await checkins.redeem(real.token!, { ...who(), ip })).toEqual({ ok: false, reason: 'unknown' });
    expect((await checkins.redeem(real.token!, { ...who(), ip: randomIp() })).ok).toBe(true);
  });

  it('successful redemptions are not counted', async () => {
    const owner = who();
    const real = (await checkins.create({ ...body, respondent: { role: 'parent' } }, 'test')).checkin;
    for (let i = 0; i < 6; i++) expect((await checkins.redeem(real.token!, owner)).ok).toBe(true);
  });
});
