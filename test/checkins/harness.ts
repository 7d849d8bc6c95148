import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createCore, type Core } from '../../src/app.js';
import { createCheckinsFor, type CheckinsWiring } from '../../src/checkins/index.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/http/server.js';
import { redisUrl } from '../support/redis.js';
import { inviteLinksFor } from '../../src/channels/list.js';

/**
 * The check-in API as the composition root wires it: the core on Redis database 4 (runner, BullMQ timers, file
 * sink), `createCheckinsFor(core, inviteLinksFor(config))` observing the runner, and the routes on the one Fastify server on
 * 127.0.0.1:0. Tokens, IPs (`X-Forwarded-For`; the server trusts the proxy) and conversations are random per run,
 * so counters and keys of earlier runs in the shared database do not matter.
 */
export const BOT = 'fb_test_bot';
export const PUBLIC_URL = 'https://bot.example.org';
export const SECRET = randomBytes(32).toString('base64url');

export const apiToken = (): string => randomBytes(24).toString('base64url');
export const randomIp = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

export interface Call {
  token?: string;
  body?: unknown;
  /** Sent as-is instead of JSON. */
  raw?: string;
  ip?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body (undefined when not JSON); loosely typed, tests check it field by field. */
  json: any;
}

/** An HTTP client for one server: every call carries a bearer token (if given) and a client IP. */
export function client(base: string, defaults: Call = {}) {
  return async (method: string, path: string, call: Call = {}): Promise<Answer> => {
    const { token, body, raw, ip } = { ip: defaults.ip ?? randomIp(), token: defaults.token, ...call };
    const headers: Record<string, string> = { 'x-forwarded-for': ip };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)), signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}

export interface Harness {
  core: Core;
  wiring: CheckinsWiring;
  app: FastifyInstance;
  base: string;
  tokens: [string, string];
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const tokens: [string, string] = [apiToken(), apiToken()];
  const config = loadConfig({
    NODE_ENV: 'test', REDIS_URL: redisUrl(4), PSEUDONYM_KEY: SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-checkins-')),
    CHECKIN_API_TOKENS: tokens.join(','), TELEGRAM_BOT_USERNAME: BOT, PUBLIC_URL,
  });
  const core = await createCore(config, pino({ level: 'silent' }));
  const wiring = createCheckinsFor(core, inviteLinksFor(config));
  const app = createServer({ trustProxy: ['loopback'] }); // the test client stands in for a reverse proxy on loopback
  if (!wiring.registerRoutes(app)) throw new Error('routes were not registered');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    core, wiring, app, base, tokens,
    async close() {
      await app.close();
      await wiring.close();
      await core.close();
    },
  };
}
