import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServerOptions } from '../../src/http/server.js';

/** Readiness and draining of the one HTTP server, on its own (no core): what a load balancer and SIGTERM see. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function listening(ready: ServerOptions['ready']) {
  const app = createServer({ ready });
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
  close = () => app.close();
  return { app, release, arrived, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('readiness and draining', () => {
  it('/readyz names the failing check; a check that throws counts as failing', async () => {
    const { base } = await listening({ redis: async () => true, queues: async () => false, flows: async () => { throw new Error('no flows'); } });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, checks: { redis: true, queues: false, flows: false } });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('drain: new requests get 503 while one in flight finishes; /healthz stays up; it resolves when the last one answered', async () => {
    const { app, base, release, arrived } = await listening({ redis: async () => true });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const slow = fetch(`${base}/slow`);
    await arrived;
    let drained = false;
    const draining = app.drain().then(() => (drained = true));
    expect((await fetch(`${base}/slow`)).status).toBe(503);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
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
