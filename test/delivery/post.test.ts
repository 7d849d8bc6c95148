import { afterEach, describe, expect, it } from 'vitest';
import { parseRetryAfter, postSigned } from '../../src/delivery/post.js';
import { createSigner } from '../../src/delivery/sign.js';
import { SECRET } from './support/docs.js';
import { Receiver } from './support/receiver.js';

const sign = createSigner([SECRET]);
const receivers: Receiver[] = [];

async function receiver(answer: Receiver['script']): Promise<Receiver> {
  const r = await Receiver.start(SECRET);
  r.script = answer;
  receivers.push(r);
  return r;
}

const post = (url: string, timeoutMs?: number) => postSigned({ url, id: 'rsp_1', body: '{"id":"rsp_1"}', sign, timeoutMs });

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.down()));
});

describe('postSigned against a real receiver', () => {
  it('counts any 2xx as delivered and sends a verifiable Standard Webhooks request', async () => {
    const r = await receiver(() => ({ status: 204 }));
    expect(await post(r.url)).toEqual({ kind: 'delivered', status: 204 });
    expect(r.received).toMatchObject([{ id: 'rsp_1', body: '{"id":"rsp_1"}', verified: true }]);
  });

  it('retries on 500 and on 503, carrying Retry-After', async () => {
    const r = await receiver((n) => (n === 0 ? { status: 500 } : { status: 503, headers: { 'retry-after': '7' } }));
    expect(await post(r.url)).toEqual({ kind: 'retry', status: 500 });
    expect(await post(r.url)).toEqual({ kind: 'retry', status: 503, retryAfterMs: 7000 });
  });

  it('reports 410 as gone', async () => {
    const r = await receiver(() => ({ status: 410 }));
    expect(await post(r.url)).toEqual({ kind: 'gone', status: 410 });
  });

  it('does not follow a redirect: the payload never reaches the other host', async () => {
    const elsewhere = await receiver(() => ({ status: 200 }));
    const r = await receiver(() => ({ status: 307, headers: { location: elsewhere.url } }));
    expect(await post(r.url)).toEqual({ kind: 'retry', status: 307 });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const r = await receiver(() => 'hang');
    expect(await post(r.url, 200)).toEqual({ kind: 'retry', error: 'TimeoutError' });
  });

  it('treats a refused connection as retryable', async () => {
    const r = await Receiver.reserve(SECRET);
    expect(await post(r.url)).toEqual({ kind: 'retry', error: 'ECONNREFUSED' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores the rest', () => {
    const now = Date.parse('2026-11-29T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 08:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
