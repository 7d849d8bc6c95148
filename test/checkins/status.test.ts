import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkin } from '../../src/checkins/port.js';
import { answerAll, Respondent } from '../runner/support.js';
import { client, startHarness, type Harness } from './harness.js';

/**
 * Redeeming invites and following a check-in's status through the real runner, as a channel would: the API
 * creates the check-in, the channel redeems the token for a conversation and hands `{ kind: 'open' }` to the
 * runner, whose events reach `createCheckinsFor(core).onEvents`; the worker reads the status over HTTP.
 */
let h: Harness;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  h = await startHarness();
  call = client(h.base, { token: h.tokens[1] });
});
afterAll(() => h?.close());

async function invite(body: object = {}): Promise<{ id: string; token: string }> {
  const res = await call('POST', '/v1/checkins', { body: { flow: 'parent-checkin', caseRef: 'ABC123', respondent: { role: 'parent' }, worker: { firstName: 'Anna' }, ...body } });
  expect(res.status).toBe(201);
  return { id: res.json.id, token: res.json.invite.token };
}

const status = async (id: string): Promise<{ status: Checkin['status']; history: Checkin['history'] }> => (await call('GET', `/v1/checkins/${id}`)).json;

/** A respondent on the real runner, with the conversation key a channel would make (`tg:<pseudonym>`). */
const respondent = () => new Respondent(h.core.runner);

async function redeemAndOpen(r: Respondent, token: string) {
  const res = await h.wiring.checkins.redeem(token, { conversationKey: r.key, pseudonym: r.pseudonym, channel: 'telegram' });
  if (!res.ok) throw new Error(`redeem failed: ${res.reason}`);
  await r.send({ kind: 'open', checkin: res.info });
  return res;
}

describe('redemption', () => {
  it('binds the invite to the first conversation; the same one may reopen it, anyone else is told it was used', async () => {
    const { id, token } = await invite();
    const first = respondent();
    const res = await h.wiring.checkins.redeem(token, { conversationKey: first.key, pseudonym: first.pseudonym, channel: 'telegram' });
    expect(res).toMatchObject({ ok: true, checkin: { id, boundTo: first.key } });
    expect(res.ok && res.info).toEqual({
      id, flow: 'parent-checkin', caseRef: 'ABC123', role: 'parent', ageBand: null, worker: 'Anna', pseudonym: first.pseudonym, channel: 'telegram', locale: 'nl',
    });
    const other = respondent();
    expect(await h.wiring.checkins.redeem(token, { conversationKey: other.key, pseudonym: other.pseudonym, channel: 'web' })).toEqual({ ok: false, reason: 'used' });
    expect((await h.wiring.checkins.redeem(token, { conversationKey: first.key, pseudonym: first.pseudonym, channel: 'telegram' })).ok).toBe(true);
  });

  it('of eight people racing on one link exactly one gets it', async () => {
    const { token } = await invite();
    const people = Array.from({ length: 8 }, respondent);
    const results = await Promise.all(people.map((r) => h.wiring.checkins.redeem(token, { conversationKey: r.key, pseudonym: r.pseudonym, channel: 'telegram' })));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.reason === 'used')).toHaveLength(7);
  });

  it('an unknown or malformed token is unknown', async () => {
    const r = respondent();
    for (const token of ['A'.repeat(32), 'short', 'x'.repeat(65), '../../etc/passwd', '']) {
      expect(await h.wiring.checkins.redeem(token, { conversationKey: r.key, pseudonym: r.pseudonym, channel: 'telegram' })).toEqual({ ok: false, reason: 'unknown' });
    }
  });
});

describe('status follows the conversation', () => {
  it('created → opened → in_progress → completed, each stamped; a completed link is used, even for its owner', async () => {
    const { id, token } = await invite();
    expect(await status(id)).toMatchObject({ status: 'created' });
    const r = respondent();
    await redeemAndOpen(r, token);
    expect(await status(id)).toMatchObject({ status: 'opened' });
    await r.press('Start');
    expect(await status(id)).toMatchObject({ status: 'in_progress' });
    await answerAll(r);
    await r.press('Verstuur');
    const done = await status(id);
    expect(done.status).toBe('completed');
    const stamps = ['created', 'opened', 'in_progress', 'completed'].map((s) => done.history[s as Checkin['status']]!);
    expect(stamps.every(Boolean)).toBe(true);
    expect([...stamps].sort()).toEqual(stamps);
    expect(await h.wiring.checkins.redeem(token, { conversationKey: r.key, pseudonym: r.pseudonym, channel: 'telegram' })).toEqual({ ok: false, reason: 'used' });
    expect(JSON.stringify(await call('GET', `/v1/checkins/${id}`))).not.toMatch(/answers|scores/);
  });

  it('a respondent who stops has declined', async () => {
    const { id, token } = await invite();
    const r = respondent();
    await redeemAndOpen(r, token);
    await r.press('Start');
    await r.say('/stop');
    await r.press('Ja, stop');
    expect(await status(id)).toMatchObject({ status: 'declined' });
  });

  it('a respondent who deletes their data (/wis) has declined', async () => {
    const { id, token } = await invite();
    const r = respondent();
    await redeemAndOpen(r, token);
    await r.say('/wis');
    await r.press(/^Ja/);
    expect(await status(id)).toMatchObject({ status: 'declined' });
  });

  it('a conversation that runs out of time has expired', async () => {
    const { id, token } = await invite();
    const r = respondent();
    await redeemAndOpen(r, token);
    await r.send({ kind: 'timer', timer: 'expire' });
    expect(await status(id)).toMatchObject({ status: 'expired' });
  });

  it('a new check-in for someone with an open one: "start the new one" declines the old one', async () => {
    const old = await invite();
    const next = await invite({ caseRef: `NEXT-${randomUUID().slice(0, 8)}` });
    const r = respondent();
    await redeemAndOpen(r, old.token);
    await r.press('Start');
    await redeemAndOpen(r, next.token);
    expect(r.text).toContain('Je hebt nog een vragenlijst open');
    expect(await status(next.id)).toMatchObject({ status: 'created' });
    await r.press('Nieuwe beginnen');
    expect(await status(old.id)).toMatchObject({ status: 'declined' });
    expect(await status(next.id)).toMatchObject({ status: 'opened' });
  });

  it('"finish the old one first" keeps both: the old one goes on, the new one waits for its owner', async () => {
    const old = await invite();
    const next = await invite();
    const r = respondent();
    await redeemAndOpen(r, old.token);
    await r.press('Start');
    await redeemAndOpen(r, next.token);
    await r.press('Eerst afmaken');
    expect(await status(old.id)).toMatchObject({ status: 'in_progress' });
    expect(await status(next.id)).toMatchObject({ status: 'created' });
    const stranger = respondent();
    expect(await h.wiring.checkins.redeem(next.token, { conversationKey: stranger.key, pseudonym: stranger.pseudonym, channel: 'web' })).toEqual({ ok: false, reason: 'used' });
  });

  it('unreachable is set by the channel and is final; statuses never move back', async () => {
    const { id, token } = await invite();
    await h.wiring.checkins.markUnreachable(id);
    expect(await status(id)).toMatchObject({ status: 'unreachable' });
    const r = respondent();
    expect(await h.wiring.checkins.redeem(token, { conversationKey: r.key, pseudonym: r.pseudonym, channel: 'telegram' })).toEqual({ ok: false, reason: 'used' });
    await h.wiring.checkins.onEvents(r.key, [{ type: 'checkin.opened', checkinId: id }], undefined);
    expect(await status(id)).toMatchObject({ status: 'unreachable' });
  });
});
