import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../src/backend/auth/users.js';
import { DATABASES } from '../support/postgres.js';
import { as, cookieHeader, cookiesFrom, csrfOf, PASSWORD, signIn, testBackend, type TestBackend } from './support.js';

describe.each(DATABASES)('sign-in and access on %s', (kind) => {
  let b: TestBackend;
  beforeAll(async () => (b = await testBackend(kind, { loginMaxFailures: 3 })));
  afterAll(() => b.close());

  it('shows nothing to a signed-out browser: pages redirect to /login, exports and posts are refused', async () => {
    for (const url of ['/', '/admin/users', '/exports/answers.csv', '/exports/codebook.json']) {
      const res = await b.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    expect((await b.app.inject({ method: 'POST', url: '/admin/users', payload: 'email=x' , headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(401);
  });

  it('creates the first admin from the environment once, and never again once one exists', async () => {
    expect(await ensureFirstAdmin(b.db, undefined, undefined)).toBe('none');
    expect(await ensureFirstAdmin(b.db, 'Admin@Example.org', PASSWORD)).toBe('created');
    expect(await ensureFirstAdmin(b.db, 'someone@example.org', 'another password!')).toBe('exists');
    const [row] = await b.db.query<{ email: string; password_hash: string }>("SELECT email, password_hash FROM users WHERE role = 'admin'");
    expect(row!.email).toBe('admin@example.org');
    expect(row!.password_hash).toMatch(/^scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
  });

  it('signs in with the form into a __Host- cookie (Secure, HttpOnly, SameSite=Strict) and signs out with CSRF', async () => {
    const { res, jar } = await signIn(b.app, 'admin@example.org');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = res.cookies.find((c) => c.name === '__Host-fbb')!;
    expect(cookie).toMatchObject({ path: '/', httpOnly: true, secure: true, sameSite: 'Strict' });
    const home = await b.app.inject({ method: 'GET', url: '/', headers: { cookie: cookieHeader(jar) } });
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-security-policy']).toContain("default-src 'none'");
    expect(home.headers['x-frame-options']).toBe('DENY');

    const forged = await b.app.inject({ method: 'POST', url: '/logout', headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'csrf=forged' });
    expect(forged.statusCode).toBe(403);
    const crossSite = await b.app.inject({
      method: 'POST', url: '/logout', payload: `csrf=${csrfOf(home.body)}`,
      headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    });
    expect(crossSite.statusCode).toBe(403);
    const out = await b.app.inject({ method: 'POST', url: '/logout', headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' }, payload: `csrf=${csrfOf(home.body)}` });
    expect(out.statusCode).toBe(303);
    expect((await b.app.inject({ method: 'GET', url: '/', headers: { cookie: cookieHeader(jar) } })).statusCode).toBe(303);
  });

  it('refuses a sign-in without the form token, and a wrong password with one message whether the email exists or not', async () => {
    const noToken = await b.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `email=admin@example.org&password=${encodeURIComponent(PASSWORD)}` });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.cookies.find((c) => c.name === '__Host-fbb')).toBeUndefined();
    const wrong = await signIn(b.app, 'admin@example.org', 'not the password', '10.0.0.1');
    const unknown = await signIn(b.app, 'nobody@example.org', 'not the password', '10.0.0.2');
    expect([wrong.res.statusCode, unknown.res.statusCode]).toEqual([401, 401]);
    expect(wrong.res.body).toContain('Email or password is not right.');
    expect(unknown.res.body).toContain('Email or password is not right.');
  });

  it('rate-limits failed sign-ins per address and per email (429 with Retry-After), even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn(b.app, 'victim@example.org', `guess ${i}`, '10.0.1.1')).res.statusCode).toBe(401);
    const blocked = await signIn(b.app, 'admin@example.org', PASSWORD, '10.0.1.1');
    expect(blocked.res.statusCode).toBe(429);
    expect(Number(blocked.res.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not blocked for another account.
    expect((await signIn(b.app, 'admin@example.org', PASSWORD, '10.0.1.2')).res.statusCode).toBe(303);
  });

  it('ignores X-Forwarded-For unless a proxy is trusted, so a client cannot dodge the limit by inventing addresses', async () => {
    const spoof = (n: number) => ({ remoteAddress: '10.0.2.1', headers: { 'x-forwarded-for': `192.0.2.${n}` } });
    for (let i = 0; i < 3; i++) {
      const form = await b.app.inject({ method: 'GET', url: '/login', ...spoof(i) });
      const jar = cookiesFrom(form);
      const res = await b.app.inject({
        method: 'POST', url: '/login', remoteAddress: '10.0.2.1',
        headers: { 'x-forwarded-for': `192.0.2.${i}`, cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: csrfOf(form.body), email: `spoof${i}@example.org`, password: 'wrong' }).toString(),
      });
      expect(res.statusCode).toBe(401);
    }
    expect((await signIn(b.app, 'admin@example.org', PASSWORD, '10.0.2.1')).res.statusCode).toBe(429);
  });

  it('sends a signed-in user back to the page they asked for, but never off-site', async () => {
    const form = await b.app.inject({ method: 'GET', url: '/login?next=//evil.example/x' });
    expect(form.body).toContain('name="next" value="/"');
    const page = await b.app.inject({ method: 'GET', url: '/login?next=%2Fexports%2Fcodebook.json' });
    expect(page.body).toContain('name="next" value="/exports/codebook.json"');
  });

  it('lets an admin add users with role and team; other roles get 403 on user management', async () => {
    const admin = await as(b.app, b.db, { email: 'boss@example.org', role: 'admin' });
    const added = await admin.post('/admin/users', { email: 'Worker@Example.org', role: 'worker', team: 'Team Noord', password: 'a long enough password' });
    expect(added.statusCode).toBe(201);
    expect(await b.db.query("SELECT role, team_ref, free_text_granted FROM users WHERE email = 'worker@example.org'")).toEqual([{ role: 'worker', team_ref: 'Team Noord', free_text_granted: false }]);
    expect((await admin.post('/admin/users', { email: 'worker@example.org', role: 'worker', password: 'a long enough password' })).statusCode).toBe(409);
    const bad = await admin.post('/admin/users', { email: 'nope', role: 'king', password: 'short' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/email needs.*role needs.*password needs/s);

    const { jar } = await signIn(b.app, 'worker@example.org', 'a long enough password');
    expect((await b.app.inject({ method: 'GET', url: '/admin/users', headers: { cookie: cookieHeader(jar) } })).statusCode).toBe(403);
    expect((await b.app.inject({ method: 'GET', url: '/exports/answers.csv', headers: { cookie: cookieHeader(jar) } })).statusCode).toBe(403);
  });

  it('ends every session of a user whose access an admin removes', async () => {
    const admin = await as(b.app, b.db, { email: 'boss2@example.org', role: 'admin' });
    const leaver = await as(b.app, b.db, { email: 'leaver@example.org', role: 'researcher' });
    expect((await leaver.get('/exports/codebook.json')).statusCode).toBe(200);
    const [{ id }] = (await b.db.query<{ id: number }>("SELECT id FROM users WHERE email = 'leaver@example.org'")) as [{ id: number }];
    expect((await admin.post(`/admin/users/${id}/disable`, {})).statusCode).toBe(200);
    expect((await leaver.get('/exports/codebook.json')).statusCode).toBe(303);
    expect((await signIn(b.app, 'leaver@example.org')).res.statusCode).toBe(401);
  });

  it('writes sign-ins and exports to the audit log', async () => {
    const researcher = await as(b.app, b.db, { email: 'audited@example.org', role: 'researcher' });
    await researcher.get('/exports/answers.csv?flow=parent-checkin');
    const lines = await b.db.query<{ action: string; detail: unknown }>(
      "SELECT a.action, a.detail FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.email = 'audited@example.org' ORDER BY a.id",
    );
    expect(lines).toEqual([{ action: 'login', detail: null }, { action: 'export.answers.csv', detail: { flow: 'parent-checkin', freeText: false } }]);
  });
});
