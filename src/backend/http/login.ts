import type { FastifyInstance } from 'fastify';
import { cookieHeader, randomId, readCookie, sameOrigin } from '../../http/security.js';
import { createLoginLimit } from '../auth/login-limit.js';
import { DUMMY_HASH, verifyPassword } from '../auth/passwords.js';
import { closeSession, openSession, SESSION_COOKIE, SESSION_SECONDS } from '../auth/sessions.js';
import { findLogin } from '../auth/users.js';
import type { ViewContext } from '../context.js';
import { LOGIN_COOKIE } from '../csrf.js';
import { escapeHtml, page } from './layout.js';

type Form = Record<string, string | undefined>;

/** Where to go after signing in: a path of this site only (never `//evil` or a full URL). */
const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/');

function loginPage(o: { guard: string; next: string; error?: string; email?: string }): string {
  const error = o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : '';
  return page({
    title: 'Sign in',
    main: `<h1>Sign in</h1>${error}<form method="post" action="/login">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(o.guard)}"><input type="hidden" name="next" value="${escapeHtml(o.next)}">` +
      `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(o.email ?? '')}">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>` +
      `<p><button type="submit">Sign in</button></p></form>`,
  });
}

/**
 * `/login` (GET form, POST `email`, `password`) and `/logout` (POST). The form is bound to a pre-session cookie
 * (CSRF before a session exists); failures are rate-limited per address and per email, answered with one
 * message whether the email exists or not, and cost the same time either way. Signing in replaces any session
 * the browser had (no fixation).
 */
export function registerLogin(app: FastifyInstance, ctx: ViewContext, opts: { maxFailures: number; windowMs: number; publicOrigin?: string }): void {
  const limit = createLoginLimit({ max: opts.maxFailures, windowMs: opts.windowMs, now: () => ctx.now().getTime() });
  const showForm = (reply: import('fastify').FastifyReply, code: number, next: string, error?: string, email?: string) => {
    const id = randomId();
    reply.header('set-cookie', cookieHeader(LOGIN_COOKIE, id, 3600));
    return ctx.pageHeaders(reply).code(code).type('text/html; charset=utf-8').send(loginPage({ guard: ctx.csrf.loginToken(id), next, error, email }));
  };

  app.get<{ Querystring: { next?: string } }>('/login', (req, reply) => showForm(reply, 200, safeNext(req.query.next)));

  app.post<{ Body: Form }>('/login', async (req, reply) => {
    const form = req.body ?? {};
    const next = safeNext(form.next);
    if (!sameOrigin(req, opts.publicOrigin) || !ctx.csrf.checkLogin(req, form.csrf)) return showForm(reply, 403, next, 'This form has expired. Please try again.');
    const email = (form.email ?? '').trim().toLowerCase().slice(0, 320);
    const keys = [`ip:${req.ip}`, `email:${email}`];
    const wait = limit.retryAfter(keys);
    if (wait > 0) return showForm(reply.header('retry-after', String(wait)), 429, next, `Too many attempts. Please wait ${Math.ceil(wait / 60)} minute(s) and try again.`, email);
    const found = await findLogin(ctx.db, email);
    const ok = await verifyPassword(String(form.password ?? ''), found?.passwordHash ?? DUMMY_HASH);
    if (!found || !ok) {
      limit.fail(keys);
      await ctx.audit(undefined, 'login.failed');
      return showForm(reply, 401, next, 'Email or password is not right.', email);
    }
    limit.succeed(`email:${email}`);
    const old = readCookie(req, SESSION_COOKIE);
    if (old) await closeSession(ctx.db, old);
    const token = await openSession(ctx.db, found.user.id, ctx.now());
    await ctx.audit(found.user, 'login');
    return reply
      .header('set-cookie', [cookieHeader(SESSION_COOKIE, token, SESSION_SECONDS), cookieHeader(LOGIN_COOKIE, '', 0)])
      .redirect(next, 303);
  });

  app.post<{ Body: Form }>('/logout', async (req, reply) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (!ctx.formOk(req)) return reply.code(403).send('This form has expired.');
    if (token) await closeSession(ctx.db, token);
    return reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', 0)).redirect('/login', 303);
  });
}
