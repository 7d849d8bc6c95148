import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageFrom, signature, status, text } from '../../support/whatsapp-notifications.js';
import { APP_SECRET, startHarness, VERIFY_TOKEN, type Harness } from './harness.js';

/**
 * The webhook's doors, over real HTTP on 127.0.0.1: Meta's subscription check, and a notification
 * refused before anything is read unless its signature is the HMAC of the exact bytes under the app secret.
 * Redis DB 10.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ db: 10 });
});
afterAll(() => h.close());

const waId = '32471000001';

describe('WhatsApp webhook: the subscription check (GET /whatsapp)', () => {
  const get = (query: string) => fetch(`${h.url}?${query}`);

  it('echoes the challenge for the right verify token', async () => {
    const res = await get(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('1158201444');
  });

  it.each([
    ['a wrong verify token', 'hub.mode=subscribe&hub.verify_token=guess-guess-guess&hub.challenge=1'],
    ['another mode', `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`],
    ['no token', 'hub.mode=subscribe&hub.challenge=1'],
  ])('refuses %s with 403', async (_what, query) => {
    const res = await get(query);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('1158201444');
  });
});

describe('WhatsApp webhook: signatures (POST /whatsapp)', () => {
  it('answers 401 to a missing, forged, truncated or other-secret signature, and nothing changes', async () => {
    const keys = await h.core.redis!.dbsize();
    const body = JSON.stringify(messageFrom(h.api.phoneNumberId, waId, text('hallo')));
    for (const header of [null, 'sha256=', `sha256=${'0'.repeat(64)}`, signature(body, 'another-app-secret'), signature(`${body} `, APP_SECRET), signature(body, APP_SECRET).slice(0, 40), signature(body, APP_SECRET).replace('sha256=', 'sha1=')]) {
      expect((await h.post(body, header)).status, String(header)).toBe(401);
    }
    expect(await h.core.redis!.dbsize()).toBe(keys);
    expect(h.api.calls).toEqual([]);
  });

  it('checks the signature before the body: broken JSON unsigned is 401; signed, it is acknowledged and ignored', async () => {
    const keys = await h.core.redis!.dbsize();
    expect((await h.post('{"object":', null)).status).toBe(401);
    for (const junk of ['{"object":', 'null', '[]', '{}', '{"object":"page","entry":[]}', '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":7}]}}]}]}']) {
      expect((await h.post(junk)).status, junk).toBe(200);
    }
    expect(h.malformed).toBe(6);
    expect(await h.core.redis!.dbsize()).toBe(keys);
    expect(h.api.calls).toEqual([]);
  });

  it('ignores what is meant for another business number, and statuses other than failed', async () => {
    const keys = await h.core.redis!.dbsize();
    expect((await h.post(messageFrom('999999999999', waId, text('hallo')))).status).toBe(200);
    expect((await h.post(status(h.api.phoneNumberId, 'wamid.X', waId, 'delivered'))).status).toBe(200);
    expect(await h.core.redis!.dbsize()).toBe(keys);
    expect(h.api.calls).toEqual([]);
  });

  it('a signed message is answered (read receipt, then the reply)', async () => {
    expect((await h.post(messageFrom(h.api.phoneNumberId, waId, text('hallo')))).status).toBe(200);
    expect(h.api.reads()).toHaveLength(1);
    expect(h.api.messages(waId).map((m) => m.type)).toEqual(['text']);
  });

  it('reads a bare change without object, field or metadata as this number\'s', async () => {
    const bare = { entry: [{ changes: [{ value: { messages: [{ from: '32471000002', id: 'wamid.BARE1', type: 'text', text: { body: 'hallo' } }] } }] }] };
    expect((await h.post(bare)).status).toBe(200);
    expect(h.api.messages('32471000002')).toHaveLength(1);
  });
});
