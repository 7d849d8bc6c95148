import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/backend/retention.js';
import { DATABASES } from '../support/postgres.js';
import { converse, count, postWebhook, testBackend, type TestBackend } from './support.js';

const DAY = 86_400_000;
const periods = { freeTextDays: 30, scoresDays: 365, auditDays: 90 };

describe.each(DATABASES)('retention and /metrics on %s', (kind) => {
  let b: TestBackend;
  let now = new Date('2026-12-01T12:00:00Z');
  beforeAll(async () => (b = await testBackend(kind, { signalOverdueMinutes: 30, now: () => now })));
  afterAll(() => b.close());

  it('deletes free text after its period and scores after theirs, keeping what is younger', async () => {
    const start = Date.parse('2026-11-01T10:00:00Z');
    const old = converse('parent-checkin', { id: 'chk_t1', caseRef: 'RET-1', pseudonym: 'ps_t1' }, { comment: 'oud' }, start);
    const young = converse('parent-checkin', { id: 'chk_t2', caseRef: 'RET-2', pseudonym: 'ps_t2' }, { comment: 'nieuw' }, start + 20 * DAY);
    for (const doc of [old.response, young.response]) expect((await postWebhook(b.app, doc)).statusCode).toBe(204);
    await b.db.query("UPDATE webhook_events SET received_at = $1 WHERE webhook_id = $2", [new Date(start), old.response.id]);

    // 35 days after the first response: its free text is past 30 days, its scores are not past 365.
    const first = await applyRetention(b.db, periods, new Date(start + 35 * DAY));
    expect(first).toMatchObject({ freeTexts: 1, payloads: 1, responses: 0 });
    expect((await b.db.query<{ body: string }>('SELECT body FROM free_texts')).map((r) => r.body)).toEqual(['nieuw']);
    expect(await b.db.query('SELECT payload FROM webhook_events WHERE webhook_id = $1', [old.response.id])).toEqual([{ payload: null }]);
    expect(await count(b.db, 'domain_scores')).toBe(2 * Object.keys(old.response.scores).length);

    // A year and a bit later the old response goes with its answers and scores; the webhook id stays while rows point at it.
    const second = await applyRetention(b.db, periods, new Date(start + 370 * DAY));
    expect(second).toMatchObject({ responses: 1, freeTexts: 1 });
    expect((await b.db.query<{ id: string }>('SELECT id FROM responses')).map((r) => r.id)).toEqual([young.response.id]);
    expect(await b.db.query('SELECT 1 FROM answers WHERE response_id = $1', [old.response.id])).toEqual([]);
    expect(await b.db.query("SELECT 1 FROM cases WHERE case_ref = 'RET-1'")).toEqual([]);
    expect(await applyRetention(b.db, periods, new Date(start + 370 * DAY))).toMatchObject({ responses: 0, freeTexts: 0, events: 0 });
  });

  it('/metrics counts unacknowledged signals and those overdue, for loopback or the metrics token only', async () => {
    now = new Date();
    const signal = (id: string, minutesAgo: number) => converse('parent-checkin', { id, caseRef: 'SIG', pseudonym: `ps_${id}` }, { values: { p_safety_scale: 0 } }, now.getTime() - minutesAgo * 60_000 - 60_000).signals[0]!;
    for (const s of [signal('chk_m1', 90), signal('chk_m2', 45), signal('chk_m3', 5)]) expect((await postWebhook(b.app, s)).statusCode).toBe(204);
    await b.db.query("UPDATE safety_signals SET acknowledged_at = now(), action_taken = 'called the family' WHERE checkin_id = 'chk_m2'");
    const res = await b.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^feedbackbot_backend_safety_signals_overdue 1$/m);
    expect(res.body).toMatch(/^feedbackbot_backend_safety_signals_unacknowledged 2$/m);
    expect(res.body).toMatch(/^feedbackbot_backend_webhooks_total\{result="stored"\} \d+$/m);
    expect((await b.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
  });
});
