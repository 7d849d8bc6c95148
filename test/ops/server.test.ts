import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpsServer, type OpsOptions } from '../../src/http/ops.js';
import { createServer } from '../../src/http/server.js';

/** Readiness and draining of the public server and its operations listener, on their own (no core): what a load balancer and SIGTERM see. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

const baseOf = (app: { server: { address(): unknown } }) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

async function listening(ready: OpsOptions['ready'], extra: Partial<OpsOptions> = {}) {
  const app = createServer();
  const ops = createOpsServer({ ready, draining: () => app.draining(), ...extra });
  let release: () => void = () => {};
  let arrive: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  app.get('/slow', async () => {
    arrive();
    await held;
    return { done: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await ops.listen({ port: 0, host: '127.0.0.1' });
  close = async () => {
    await app.close();
    await ops.close();
  };
  return { app, release, arrived, base: baseOf(app), opsBase: baseOf(ops) };
}

describe('readiness and draining', () => {
  it('/readyz names the failing check; a check that throws counts as failing', async () => {
    const { opsBase } = await listening({ redis: async () => true, queues: async () => false, flows: async () => { throw new Error('no flows'); } });
    const res = await fetch(`${opsBase}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, checks: { redis: true, queues: false, flows: false }, errors: { queues: 'failed', flows: 'no flows' } });
    expect((await fetch(`${opsBase}/healthz`)).status).toBe(200);
  });

  it('/readyz answers 503 in time when a check hangs (a paused Redis), naming it', async () => {
    const { opsBase } = await listening({ redis: () => new Promise<boolean>(() => {}), flows: async () => true }, { timeoutMs: 200, facts: { storage: 'redis' } });
    const res = await fetch(`${opsBase}/readyz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, storage: 'redis', checks: { redis: false, flows: true }, errors: { redis: 'no answer within 200 ms' } });
  });

  it('/readyz and /metrics are not on the public port; /healthz is on both', async () => {
    const { base } = await listening({ flows: async () => true });
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('drain: new requests get 503 while one in flight finishes; /healthz stays up; it resolves when the last one answered', async () => {
    const { app, base, opsBase, release, arrived } = await listening({ redis: async () => true });
    expect((await fetch(`${opsBase}/readyz`)).status).toBe(200);
    const slow = fetch(`${base}/slow`);
    await arrived;
    let drained = false;
    const draining = app.drain().then(() => (drained = true));
    expect((await fetch(`${base}/slow`)).status).toBe(503);
    expect((await fetch(`${opsBase}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(drained).toBe(false);
    release();
    expect(await (await slow).json()).toEqual({ done: true });
    await draining;
    expect(drained).toBe(true);
  });

  it('drain with nothing in flight resolves at once', async () => {
    const { app } = await listening({});
    await expect(app.drain()).resolves.toBeUndefined();
  });
});

describe('public server headers and proxy trust', () => {
  it('sends HSTS when served over https, not otherwise', async () => {
    const https = createServer({ hsts: true });
    const plain = createServer();
    expect((await https.inject('/healthz')).headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await plain.inject('/healthz')).headers['strict-transport-security']).toBeUndefined();
  });

  it('believes X-Forwarded-For and X-Forwarded-Host only from a trusted proxy', async () => {
    const seen = (trustProxy?: boolean | number | string[]) => {
      const app = createServer({ trustProxy });
      app.get('/who', async (req) => ({ ip: req.ip, host: req.host }));
      return app.inject({ url: '/who', remoteAddress: '203.0.113.9', headers: { host: 'bot.example.org', 'x-forwarded-for': '198.51.100.1', 'x-forwarded-host': 'evil.example' } }).then((r) => r.json());
    };
    expect(await seen()).toEqual({ ip: '203.0.113.9', host: 'bot.example.org' });
    expect(await seen(['10.0.0.0/8'])).toEqual({ ip: '203.0.113.9', host: 'bot.example.org' });
    expect(await seen(['203.0.113.0/24'])).toEqual({ ip: '198.51.100.1', host: 'evil.example' });
    expect(await seen(1)).toEqual({ ip: '198.51.100.1', host: 'evil.example' });
  });
});
