import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanKeys } from '../sessions/helpers.js';
import { apiToken, BOT, client, PUBLIC_URL, startHarness, type Harness } from './harness.js';
import { decodeQrSvg } from './qr.js';

/** `POST /v1/checkins`, `GET /v1/checkins/:id` and the QR code over real HTTP, on Redis database 4. */

let h: Harness;
let call: ReturnType<typeof client>;
const parent = { flow: 'parent-checkin', caseRef: 'ABC123', respondent: { role: 'parent' }, worker: { firstName: 'Anna' } };

beforeAll(async () => {
  h = await startHarness();
  call = client(h.base, { token: h.tokens[0] });
});
afterAll(() => h?.close());

/** Check-ins stored with this case ref (other files add check-ins to the same database meanwhile). */
async function storedWithCaseRef(caseRef: string): Promise<number> {
  const keys = await scanKeys(h.core.redis!, 'fb:chk:{chk_*');
  const refs = await Promise.all(keys.map((k) => h.core.redis!.hget(k, 'caseRef')));
  return refs.filter((r) => r === caseRef).length;
}

describe('authentication', () => {
  it('refuses a missing, malformed or wrong token with a bare 401 and creates nothing', async () => {
    const caseRef = `UNAUTH-${apiToken()}`;
    const real = h.tokens[0];
    for (const authorization of [undefined, '', `Basic ${real}`, `Bearer ${apiToken()}`, `Bearer ${real.slice(0, -1)}`, `Bearer ${real}x`, `Bearer ${real} ${real}`]) {
      const res = await fetch(`${h.base}/v1/checkins`, {
        method: 'POST', body: JSON.stringify({ ...parent, caseRef }),
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ error: 'unauthorized' });
    }
    expect(await storedWithCaseRef(caseRef)).toBe(0);
    await call('POST', '/v1/checkins', { body: { ...parent, caseRef } });
    expect(await storedWithCaseRef(caseRef)).toBe(1);
  });

  it('accepts every configured token (rotation), on every route', async () => {
    for (const token of h.tokens) {
      const made = await call('POST', '/v1/checkins', { token, body: parent });
      expect(made.status).toBe(201);
      expect((await call('GET', `/v1/checkins/${made.json.id}`, { token })).status).toBe(200);
      expect((await call('GET', `/v1/checkins/${made.json.id}/qr.svg`, { token })).status).toBe(200);
    }
  });

  it('guards the status and QR routes too', async () => {
    const { json } = await call('POST', '/v1/checkins', { body: parent });
    expect((await call('GET', `/v1/checkins/${json.id}`, { token: apiToken() })).status).toBe(401);
    expect((await call('GET', `/v1/checkins/${json.id}/qr.svg`, { token: '' })).status).toBe(401);
  });
});

describe('validation', () => {
  const invalid = async (body: unknown) => {
    const res = await call('POST', '/v1/checkins', { body });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid');
    return res.json.fields as Record<string, string>;
  };

  it('reports every problem at once, one message per field path', async () => {
    const fields = await invalid({
      caseRef: 'x'.repeat(65), respondent: { role: 'grandparent', ageBand: 'old' }, worker: { firstName: '' },
      locale: 'de', expiresInHours: 0, idempotencyKey: 'has space', sendAt: 'tomorrow', colour: 'red',
    });
    expect(fields).toEqual({
      flow: 'flow is required (a flow id such as "parent-checkin")',
      caseRef: 'caseRef must be at most 64 characters',
      'respondent.role': 'role must be "parent" or "child"',
      'respondent.ageBand': 'ageBand must be "young" or "teen"',
      'worker.firstName': 'firstName must not be empty',
      locale: 'locale must be one of nl, fr, en',
      expiresInHours: 'expiresInHours must be at least 1',
      idempotencyKey: 'idempotencyKey must be 1–128 printable ASCII characters without spaces',
      sendAt: 'sendAt must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00Z',
      colour: 'unknown field',
    });
  });

  it('checks the flow and its audience: unknown flow, wrong role, age band missing or out of place', async () => {
    expect(Object.keys(await invalid({ ...parent, flow: 'nope' }))).toEqual(['flow']);
    expect(await invalid({ ...parent, flow: 'child-checkin' })).toEqual({ 'respondent.role': 'flow child-checkin is for the role "child"' });
    expect(await invalid({ ...parent, flow: 'child-checkin', respondent: { role: 'child' } })).toEqual({
      'respondent.ageBand': 'ageBand is required for a child (young or teen)',
    });
    expect(await invalid({ ...parent, respondent: { role: 'parent', ageBand: 'teen' } })).toEqual({ 'respondent.ageBand': 'ageBand is only for children' });
    expect((await call('POST', '/v1/checkins', { body: { ...parent, flow: 'child-checkin', respondent: { role: 'child', ageBand: 'young' } } })).status).toBe(201);
  });

  it('refuses a sendAt more than a year ahead (year 9999 would give its keys TTLs of millennia)', async () => {
    expect(await invalid({ ...parent, sendAt: '9999-12-31T00:00:00Z' })).toEqual({ sendAt: 'sendAt must be at most 365 days ahead' });
    expect(await invalid({ ...parent, sendAt: new Date(Date.now() + 366 * 86400_000).toISOString() })).toEqual({ sendAt: 'sendAt must be at most 365 days ahead' });
    expect((await call('POST', '/v1/checkins', { body: { ...parent, sendAt: new Date(Date.now() + 364 * 86400_000).toISOString() } })).status).toBe(201);
  });

  it('answers broken JSON, a non-object body and a missing body with the same JSON shape', async () => {
    expect(await invalid(undefined)).toEqual({ body: 'the body must be a JSON object' });
    expect(await invalid([parent])).toEqual({ body: 'the body must be a JSON object' });
    const broken = await call('POST', '/v1/checkins', { raw: '{"flow": "parent-checkin",' });
    expect(broken.status).toBe(400);
    expect(broken.json).toEqual({ error: 'invalid', fields: { body: 'the body must be a JSON object' } });
  });

  it('404 for an unknown or malformed id, 400 for an unknown QR target', async () => {
    expect((await call('GET', '/v1/checkins/chk_AAAAAAAAAAAAAAAA')).json).toEqual({ error: 'not_found' });
    expect((await call('GET', '/v1/checkins/..%2F..%2Fetc')).status).toBe(404);
    const { json } = await call('POST', '/v1/checkins', { body: parent });
    expect((await call('GET', `/v1/checkins/${json.id}/qr.svg?target=sms`)).json.fields).toEqual({ target: 'target must be "telegram", "whatsapp" or "web"' });
  });
});

describe('a new check-in', () => {
  it('201 with id, status, expiry and the invite: a 192-bit token, the deep link, the web link and the QR route', async () => {
    const sendAt = new Date(Date.now() + 2 * 86400_000).toISOString();
    const res = await call('POST', '/v1/checkins', { body: { ...parent, respondentRef: 'R-1', sendAt } });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { id, invite, status, createdAt, expiresAt } = res.json;
    expect(id).toMatch(/^chk_[A-Za-z0-9_-]{16}$/);
    expect(res.headers.get('location')).toBe(`${PUBLIC_URL}/v1/checkins/${id}`);
    expect(status).toBe('created');
    expect(Date.parse(createdAt)).toBeLessThan(Date.parse(sendAt));
    expect(Date.parse(expiresAt) - Date.parse(sendAt)).toBe(168 * 3600_000); // a planned check-in runs from sendAt
    expect(invite.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Buffer.from(invite.token, 'base64url')).toHaveLength(24);
    expect(invite).toEqual({
      token: invite.token,
      telegramLink: `https://t.me/${BOT}?start=${invite.token}`,
      webLink: `${PUBLIC_URL}/c/${invite.token}`,
      qrSvg: `${PUBLIC_URL}/v1/checkins/${id}/qr.svg`,
    });
    expect(res.json.respondentRef).toBe('R-1');
    expect(res.json.sendAt).toBe(sendAt);
  });

  it('GET shows status and timestamps, never the token, the worker\'s name or the bound conversation', async () => {
    const made = (await call('POST', '/v1/checkins', { body: { ...parent, expiresInHours: 2, locale: 'fr', teamRef: 'Team Noord' } })).json;
    const got = await call('GET', `/v1/checkins/${made.id}`);
    expect(got.json).toEqual({
      id: made.id, flow: 'parent-checkin', caseRef: 'ABC123', teamRef: 'Team Noord', respondent: { role: 'parent', ageBand: null }, locale: 'fr', status: 'created',
      createdAt: made.createdAt, expiresAt: made.expiresAt, history: { created: made.createdAt }, respondentRef: null, sendAt: null,
      delivery: 'invite',
    });
    expect(Date.parse(made.expiresAt) - Date.parse(made.createdAt)).toBe(2 * 3600_000);
    expect(got.text).not.toContain(made.invite.token);
    expect(got.text).not.toContain('Anna');
  });

  it('leaves no usable link in Redis: neither the token nor the links appear in any key or value', async () => {
    const { token } = (await call('POST', '/v1/checkins', { body: parent })).json.invite;
    const redis = h.core.redis!;
    const keys = await scanKeys(redis, 'fb:chk:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(token);
      const type = await redis.type(key);
      const values = type === 'hash' ? Object.values(await redis.hgetall(key)) : type === 'string' ? [await redis.get(key)] : [];
      for (const v of values) expect(v).not.toContain(token);
    }
  });

  it('the QR code decodes to the Telegram deep link, or the web link with ?target=web', async () => {
    const { id, invite } = (await call('POST', '/v1/checkins', { body: parent })).json;
    const svg = await call('GET', `/v1/checkins/${id}/qr.svg`);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(decodeQrSvg(svg.text)).toBe(invite.telegramLink);
    expect(decodeQrSvg((await call('GET', `/v1/checkins/${id}/qr.svg?target=web`)).text)).toBe(invite.webLink);
    expect(decodeQrSvg((await call('GET', `/v1/checkins/${id}/qr.svg?target=telegram`)).text)).toBe(invite.telegramLink);
  });
});

describe('idempotency', () => {
  it('the same key returns the same check-in and invite, marked as a replay', async () => {
    const body = { ...parent, idempotencyKey: `visit-${apiToken()}` };
    const first = await call('POST', '/v1/checkins', { body });
    const again = await call('POST', '/v1/checkins', { body });
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('requests racing with one key make one check-in', async () => {
    const body = { ...parent, idempotencyKey: `race-${apiToken()}` };
    const all = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/v1/checkins', { body })));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(all.map((r) => r.json.id)).size).toBe(1);
    expect(new Set(all.map((r) => r.json.invite.token)).size).toBe(1);
  });

  it('refuses the key for a different request (409), and scopes keys per API token', async () => {
    const idempotencyKey = `visit-${apiToken()}`;
    const first = await call('POST', '/v1/checkins', { body: { ...parent, idempotencyKey } });
    const changed = await call('POST', '/v1/checkins', { body: { ...parent, caseRef: 'OTHER', idempotencyKey } });
    expect(changed.status).toBe(409);
    expect(changed.json).toEqual({ error: 'conflict', fields: { idempotencyKey: 'this idempotency key was already used for a different request' } });
    const otherClient = await call('POST', '/v1/checkins', { token: h.tokens[1], body: { ...parent, idempotencyKey } });
    expect(otherClient.status).toBe(201);
    expect(otherClient.json.id).not.toBe(first.json.id);
  });
});
