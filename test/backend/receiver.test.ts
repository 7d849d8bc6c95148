import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../src/delivery/sign.js';
import { DATABASES } from '../support/postgres.js';
import { converse, count, OLD_SECRET, postWebhook, testBackend, type TestBackend } from './support.js';

const WRONG = createSigner(['whsec_d3Jvbmcgc2VjcmV0IGZvciB0ZXN0cw==']);

describe.each(DATABASES)('POST /webhooks on %s', (kind) => {
  let b: TestBackend;
  beforeAll(async () => (b = await testBackend(kind)));
  afterAll(() => b.close());

  it('stores a signed response once: raw event, response, answers, free text apart, scores, flags, flow version and case with team', async () => {
    const { response } = converse('parent-checkin', { id: 'chk_r1', caseRef: 'CASE-R1', teamRef: 'Team Noord', pseudonym: 'ps_r1' }, { comment: 'Zij luistert goed.' });
    expect(response.teamRef).toBe('Team Noord');
    const first = await postWebhook(b.app, response);
    expect(first.statusCode).toBe(204);

    const [row] = await b.db.query<Record<string, unknown>>('SELECT * FROM responses WHERE id = $1', [response.id]);
    expect(row).toMatchObject({ case_ref: 'CASE-R1', team_ref: 'Team Noord', flow_id: 'parent-checkin', flow_hash: response.flow.hash, respondent_pseudonym: 'ps_r1' });
    const answers = await b.db.query<{ item: string; value_num: number; score: number }>('SELECT item, value_num, score FROM answers WHERE response_id = $1 ORDER BY position', [response.id]);
    expect(answers.map((a) => [a.item, a.value_num, a.score])).toEqual(response.answers.map((a) => [a.item, a.value, a.score]));
    expect(await b.db.query('SELECT item, source, body FROM free_texts WHERE response_id = $1', [response.id])).toEqual([
      { item: 'p_safety_scale', source: 'comment', body: 'Zij luistert goed.' },
    ]);
    const scores = await b.db.query<{ domain: string; score: number }>('SELECT domain, score FROM domain_scores WHERE response_id = $1 ORDER BY domain', [response.id]);
    expect(Object.fromEntries(scores.map((s) => [s.domain, s.score]))).toEqual(Object.fromEntries(Object.entries(response.scores).map(([d, s]) => [d, s.score])));
    const flags = await b.db.query<{ flag: string; value: boolean }>('SELECT flag, value FROM flags WHERE response_id = $1', [response.id]);
    expect(Object.fromEntries(flags.map((f) => [f.flag, f.value]))).toEqual(response.flags);
    expect(await b.db.query('SELECT team_ref FROM cases WHERE case_ref = $1', ['CASE-R1'])).toEqual([{ team_ref: 'Team Noord' }]);
    expect(await b.db.query('SELECT flow_id, version, hash FROM flow_versions')).toContainEqual({ flow_id: 'parent-checkin', version: 1, hash: response.flow.hash });
    expect(await b.db.query('SELECT type, payload FROM webhook_events WHERE webhook_id = $1', [response.id])).toEqual([{ type: 'response.completed', payload: response }]);
  });

  it('keeps the text of an open item with the free text, not in answers', async () => {
    const { response } = converse('child-checkin', { id: 'chk_r2', caseRef: 'CASE-R2', pseudonym: 'ps_r2', ageBand: 'teen' }, { text: 'Ik wil meer tijd.' });
    expect((await postWebhook(b.app, response)).statusCode).toBe(204);
    const typed = await b.db.query<{ item: string; body: string }>("SELECT item, body FROM free_texts WHERE response_id = $1 AND source = 'answer'", [response.id]);
    expect(typed.map((t) => t.body)).toContain('Ik wil meer tijd.');
    const inAnswers = await b.db.query('SELECT 1 FROM answers WHERE response_id = $1 AND (value_code = $2 OR label = $2)', [response.id, 'Ik wil meer tijd.']);
    expect(inAnswers).toEqual([]);
  });

  it('answers a replay with 200 and stores nothing new, also when the retry carries a fresh timestamp', async () => {
    const { response } = converse('parent-checkin', { id: 'chk_r3', caseRef: 'CASE-R3', pseudonym: 'ps_r3' });
    expect((await postWebhook(b.app, response)).statusCode).toBe(204);
    const before = await Promise.all(['webhook_events', 'responses', 'answers', 'domain_scores'].map((t) => count(b.db, t)));
    const again = await postWebhook(b.app, response, { at: new Date(Date.now() + 1000) });
    expect(again.statusCode).toBe(200);
    expect(await Promise.all(['webhook_events', 'responses', 'answers', 'domain_scores'].map((t) => count(b.db, t)))).toEqual(before);
  });

  it('refuses a bad signature, a stale timestamp, a tampered body and missing headers with 401, storing nothing', async () => {
    const { response } = converse('parent-checkin', { id: 'chk_r4', caseRef: 'CASE-R4', pseudonym: 'ps_r4' });
    const events = await count(b.db, 'webhook_events');
    expect((await postWebhook(b.app, response, { signer: WRONG })).statusCode).toBe(401);
    expect((await postWebhook(b.app, response, { at: new Date(Date.now() - 10 * 60_000) })).statusCode).toBe(401);
    const signedOther = createSigner([OLD_SECRET]);
    const tampered = JSON.stringify({ ...response, caseRef: 'OTHER' });
    const res = await b.app.inject({
      method: 'POST', url: '/webhooks', payload: tampered,
      headers: { 'content-type': 'application/json', 'webhook-id': response.id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signedOther(response.id, new Date(), JSON.stringify(response)) },
    });
    expect(res.statusCode).toBe(401);
    expect((await b.app.inject({ method: 'POST', url: '/webhooks', payload: response as never })).statusCode).toBe(401);
    expect(await count(b.db, 'webhook_events')).toBe(events);
    expect(await b.db.query('SELECT 1 FROM responses WHERE id = $1', [response.id])).toEqual([]);
  });

  it('accepts every configured secret (rotation)', async () => {
    const { response } = converse('parent-checkin', { id: 'chk_r5', caseRef: 'CASE-R5', pseudonym: 'ps_r5' });
    expect((await postWebhook(b.app, response, { signer: createSigner([OLD_SECRET]) })).statusCode).toBe(204);
  });

  it('refuses a signed payload that breaks the shared schema (400) and keeps an unknown type raw', async () => {
    const events = await count(b.db, 'webhook_events');
    const broken = { type: 'response.completed', id: 'rsp_broken', answers: 'nope' };
    const res = await postWebhook(b.app, broken);
    expect(res.statusCode).toBe(400);
    expect(await count(b.db, 'webhook_events')).toBe(events);
    expect((await postWebhook(b.app, { type: 'checkin.future', id: 'evt_future' })).statusCode).toBe(204);
    expect(await b.db.query("SELECT type FROM webhook_events WHERE webhook_id = 'evt_future'")).toEqual([{ type: 'checkin.future' }]);
    expect((await postWebhook(b.app, null, { id: 'evt_json', body: '{not json' })).statusCode).toBe(401); // signed, but not a JSON document
    expect(await b.db.query("SELECT 1 FROM webhook_events WHERE webhook_id = 'evt_json'")).toEqual([]);
  });

  it('stores a safety signal unacknowledged, with the case and team', async () => {
    const { signals } = converse('parent-checkin', { id: 'chk_r6', caseRef: 'CASE-R6', teamRef: 'Team Zuid', pseudonym: 'ps_r6' }, { values: { p_safety_scale: 1 } });
    expect(signals.length).toBeGreaterThan(0);
    expect((await postWebhook(b.app, signals[0])).statusCode).toBe(204);
    expect(await b.db.query('SELECT case_ref, team_ref, categories, acknowledged_at FROM safety_signals WHERE id = $1', [signals[0]!.id])).toEqual([
      { case_ref: 'CASE-R6', team_ref: 'Team Zuid', categories: signals[0]!.categories, acknowledged_at: null },
    ]);
  });

  it('erases a respondent on respondent.erased: rows gone everywhere, payloads cleared, the log without the pseudonym', async () => {
    const mine = converse('parent-checkin', { id: 'chk_r7', caseRef: 'CASE-R7', pseudonym: 'ps_erase_me' }, { values: { p_safety_scale: 0 } });
    const other = converse('parent-checkin', { id: 'chk_r8', caseRef: 'CASE-R7', pseudonym: 'ps_keep_me' });
    for (const doc of [mine.response, mine.signals[0], other.response]) expect((await postWebhook(b.app, doc)).statusCode).toBe(204);
    const erased = { type: 'respondent.erased', id: 'era_test_1', respondent: { pseudonym: 'ps_erase_me' }, at: new Date().toISOString() };
    expect((await postWebhook(b.app, erased)).statusCode).toBe(204);

    for (const table of ['responses', 'safety_signals']) {
      expect(await b.db.query(`SELECT 1 FROM ${table} WHERE respondent_pseudonym = 'ps_erase_me'`)).toEqual([]);
    }
    expect(await b.db.query('SELECT 1 FROM answers WHERE response_id = $1', [mine.response.id])).toEqual([]);
    expect(await b.db.query('SELECT 1 FROM free_texts WHERE response_id = $1', [mine.response.id])).toEqual([]);
    expect(await b.db.query("SELECT webhook_id FROM webhook_events WHERE payload::text LIKE '%ps_erase_me%'")).toEqual([]);
    expect(await b.db.query('SELECT 1 FROM responses WHERE id = $1', [other.response.id])).toHaveLength(1);
    const log = await b.db.query<Record<string, unknown>>('SELECT * FROM erasure_log');
    expect(log).toEqual([expect.objectContaining({ reason: 'respondent.erased', responses: 1, signals: 1 })]);
    expect(JSON.stringify(log)).not.toContain('ps_erase_me');
    // A late retry of the erased response is recognised and not stored again.
    expect((await postWebhook(b.app, mine.response)).statusCode).toBe(200);
    expect(await b.db.query('SELECT 1 FROM responses WHERE id = $1', [mine.response.id])).toEqual([]);
  });
});
