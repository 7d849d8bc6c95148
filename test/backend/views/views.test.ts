import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../../support/postgres.js';
import { as, converse, postWebhook, testBackend, type TestBackend } from '../support.js';

const WEEK = 7 * 86_400_000;
const COMMENT = 'She really listens to us now.';
const markersIn = (html: string) => html.match(/class="marker"/g)?.length ?? 0;

describe.each(DATABASES)('views on %s', (kind) => {
  let b: TestBackend;
  const start = Date.parse('2026-10-05T09:00:00Z');
  const post = async (doc: unknown) => expect((await postWebhook(b.app, doc)).statusCode).toBe(204);
  const respond = (id: string, caseRef: string, teamRef: string, at: number, values: Record<string, number> = {}) =>
    post(converse('parent-checkin', { id, caseRef, teamRef, pseudonym: `ps_${caseRef}` }, { values, comment: COMMENT }, at).response);

  beforeAll(async () => {
    b = await testBackend(kind);
    // One family of Team Noord over three weeks (heard 2 → 3 → 5), one of Team Zuid.
    await respond('chk_v1', 'FAM-1', 'Noord', start, { p_heard: 2, p_safety_scale: 4 });
    await respond('chk_v2', 'FAM-1', 'Noord', start + WEEK, { p_heard: 3, p_safety_scale: 6 });
    await respond('chk_v3', 'FAM-1', 'Noord', start + 2 * WEEK, { p_heard: 5, p_safety_scale: 9 });
    await respond('chk_v4', 'FAM-2', 'Zuid', start + WEEK);
  });
  afterAll(() => b.close());

  it('shows a signed-out browser nothing: every view redirects to /login, a form post is refused', async () => {
    for (const url of ['/', '/cases/FAM-1', '/flows', '/flows/parent-checkin', '/signals']) {
      const res = await b.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    const post = await b.app.inject({ method: 'POST', url: '/signals/x/acknowledge', payload: 'action=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.statusCode).toBe(401);
  });

  it('shows a worker their team\'s case as a trajectory across three check-ins, with flow, version, flags and open answers, and audits the view', async () => {
    const worker = await as(b.app, b.db, { email: 'noord@example.org', role: 'worker', teamRef: 'Noord' });
    const res = await worker.get('/cases/FAM-1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const figure = /<figure>[^]*?<\/figure>/.exec(res.body)![0];
    const domains = [...figure.matchAll(/data-series="(\w+)"/g)].map((m) => m[1]);
    expect(domains.length).toBeGreaterThanOrEqual(2);
    // Every domain line has a marker at each of the three check-ins (a domain may be unscored at one).
    expect(markersIn(figure)).toBeGreaterThan(2 * domains.length);
    const fidelity = /data-series="fidelity"[^]*?<\/g>/.exec(figure)![0];
    expect(markersIn(fidelity)).toBe(3);
    const ys = [...fidelity.matchAll(/translate\([\d.]+,([\d.]+)\)/g)].map((m) => Number(m[1]));
    // Scores rise week by week, so each point sits higher (a smaller y) than the one before.
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[1]!).toBeGreaterThan(ys[2]!);
    expect(res.body.match(/parent-checkin, version 1/g)).toHaveLength(3);
    expect(res.body).toContain(COMMENT);
    expect(res.body).toContain('<caption class="small">Domain scores of the parent (0–100)</caption>');
    const audit = await b.db.query<{ action: string; case_ref: string }>("SELECT a.action, a.case_ref FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = 'noord@example.org' AND a.case_ref IS NOT NULL");
    expect(audit).toEqual([{ action: 'case.view', case_ref: 'FAM-1' }]);
    expect((await worker.get('/')).body).toContain('href="/cases/FAM-1"');
    expect((await worker.get('/')).body).not.toContain('FAM-2');
  });

  it('refuses a worker another team\'s case (403, logged), a case nobody named, and a researcher any case', async () => {
    const zuid = await as(b.app, b.db, { email: 'zuid@example.org', role: 'worker', teamRef: 'Zuid' });
    const res = await zuid.get('/cases/FAM-1');
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain(COMMENT);
    expect((await zuid.get('/cases/NOPE')).statusCode).toBe(403);
    expect((await zuid.get('/cases/FAM-2')).statusCode).toBe(200);
    const denied = await b.db.query("SELECT a.case_ref FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = 'zuid@example.org' AND a.action = 'case.denied' ORDER BY a.id");
    expect(denied).toEqual([{ case_ref: 'FAM-1' }, { case_ref: 'NOPE' }]);
    const noTeam = await as(b.app, b.db, { email: 'noteam@example.org', role: 'worker' });
    expect((await noTeam.get('/cases/FAM-2')).statusCode).toBe(403);
    const researcher = await as(b.app, b.db, { email: 'granted@example.org', role: 'researcher', freeTextGranted: true });
    expect((await researcher.get('/cases/FAM-1')).statusCode).toBe(403);
    const admin = await as(b.app, b.db, { email: 'admin@example.org', role: 'admin' });
    expect((await admin.get('/cases/NOPE')).statusCode).toBe(404);
    expect((await admin.get('/cases/FAM-1')).statusCode).toBe(200);
  });

  it('hides aggregates of fewer than 5 responses and, from 5 on, shows rates, drop-off and distributions with no free text and no small team on its own', async () => {
    const researcher = await as(b.app, b.db, { email: 'research@example.org', role: 'researcher' });
    const few = await researcher.get('/flows/parent-checkin');
    expect(few.statusCode).toBe(200);
    expect(few.body).toContain('too few responses to show');
    expect(few.body).not.toContain('<svg');
    expect((await researcher.get('/flows')).body).toMatch(/parent-checkin<\/td><td>fewer than 5/);

    await respond('chk_v5', 'FAM-3', 'Noord', start + 3 * WEEK, { p_heard: 4 });
    await respond('chk_v6', 'FAM-3', 'Noord', start + 4 * WEEK, { p_heard: 4 });
    const res = await researcher.get('/flows/parent-checkin');
    expect(res.body).not.toContain('too few responses to show</p></main>');
    expect(res.body).toMatch(/<span class="figure">6<\/span>responses from 6 check-ins/);
    expect(res.body).toMatch(/<span class="figure">100%<\/span>completed/);
    // p_heard: 2, 3, 5, middle (3), 4, 4 → bars for every scale value plus "don't know" and "skipped".
    const heard = /Answers to p_heard<\/title>[^]*?<\/svg>/.exec(res.body)![0];
    expect(heard).toMatch(/>3: [^<]*<\/text><rect[^>]*\/><text class="value"[^>]*>2 \(33%\)/);
    expect(heard).toMatch(/>4: [^<]*<\/text><rect[^>]*\/><text class="value"[^>]*>2 \(33%\)/);
    expect(res.body).not.toContain(COMMENT);
    // Noord has 5 and Zuid 1: Zuid is never alone, and Noord joins it so the total does not give Zuid away.
    expect(res.body).toContain('2 teams together (small ones are never shown alone)</th><td>6</td>');
    expect(res.body).not.toContain('team Zuid');
    expect(res.body).not.toContain('team Noord');
  });

  it('keeps a safety signal in the queue, oldest first and marked overdue, until someone says what was done', async () => {
    const now = Date.now();
    const signal = (id: string, caseRef: string, teamRef: string, minutesAgo: number) =>
      converse('parent-checkin', { id, caseRef, teamRef, pseudonym: `ps_${id}` }, { values: { p_safety_scale: 0 } }, now - minutesAgo * 60_000).signals[0]!;
    const old = signal('chk_s1', 'FAM-1', 'Noord', 180);
    const recent = signal('chk_s2', 'FAM-3', 'Noord', 5);
    const elsewhere = signal('chk_s3', 'FAM-2', 'Zuid', 5);
    for (const s of [recent, old, elsewhere]) await post(s);

    const worker = await as(b.app, b.db, { email: 'noord2@example.org', role: 'worker', teamRef: 'Noord' });
    const queue = (await worker.get('/signals')).body;
    expect(queue.indexOf('FAM-1')).toBeLessThan(queue.indexOf('FAM-3'));
    expect(queue).not.toContain('FAM-2');
    expect(queue.match(/<span class="badge">Overdue<\/span>/g)).toHaveLength(1);
    expect(queue).toMatch(/<span class="badge">Overdue<\/span> Case <a href="\/cases\/FAM-1">/);
    expect(queue).toContain('2 waiting, 1 overdue');

    const ack = (who: typeof worker, id: string, action: string) => who.post(`/signals/${id}/acknowledge`, { action }, '/signals');
    expect((await ack(worker, old.id, '   ')).statusCode).toBe(400);
    const forged = await b.app.inject({ method: 'POST', url: `/signals/${old.id}/acknowledge`, payload: 'csrf=forged&action=called', headers: { cookie: Object.entries(worker.jar).map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' } });
    expect(forged.statusCode).toBe(403);
    const zuid = await as(b.app, b.db, { email: 'zuid2@example.org', role: 'worker', teamRef: 'Zuid' });
    expect((await ack(zuid, old.id, 'not mine')).statusCode).toBe(404);
    expect((await b.db.query('SELECT acknowledged_at FROM safety_signals WHERE id = $1', [old.id]))[0]).toEqual({ acknowledged_at: null });
    expect((await worker.get('/signals')).body).toContain('2 waiting, 1 overdue');

    const done = await ack(worker, old.id, 'Called the mother; safety plan agreed.');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/signals?acknowledged=1');
    const after = (await worker.get('/signals?acknowledged=1')).body;
    expect(after).toContain('1 waiting, 0 overdue');
    expect(after).toMatch(/FAM-1<\/a><\/th><td>[^<]*<\/td><td>[^<]*<\/td><td>[^<]*<\/td><td>noord2@example\.org<\/td><td>Called the mother; safety plan agreed\.<\/td>/);
    expect((await ack(worker, old.id, 'again')).statusCode).toBe(409);
    const [row] = await b.db.query<{ action_taken: string }>('SELECT action_taken FROM safety_signals WHERE id = $1', [old.id]);
    expect(row!.action_taken).toBe('Called the mother; safety plan agreed.');
    const audit = await b.db.query("SELECT a.case_ref, a.detail FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = 'noord2@example.org' AND a.action = 'signal.acknowledge'");
    expect(audit).toEqual([{ case_ref: 'FAM-1', detail: { signalId: old.id } }]);
  });
});
