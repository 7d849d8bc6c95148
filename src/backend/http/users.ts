import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createUser, listUsers, NewUser, ROLES, type BackendUser } from '../auth/users.js';
import { userOf, type ViewContext } from '../context.js';
import { escapeHtml, page } from './layout.js';

type Form = Record<string, string | undefined>;

function usersPage(users: BackendUser[], csrf: string, message?: { kind: 'error' | 'notice'; text: string }): string {
  const rows = users
    .map((u) => `<tr><td>${escapeHtml(u.email)}</td><td>${u.role}</td><td>${escapeHtml(u.teamRef ?? '')}</td><td>${u.freeTextGranted ? 'yes' : 'no'}</td>` +
      `<td><form method="post" action="/admin/users/${u.id}/disable"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
      `<button class="quiet" type="submit" aria-label="Remove access for ${escapeHtml(u.email)}">Remove access</button></form></td></tr>`)
    .join('');
  const note = message ? `<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${escapeHtml(message.text)}</p>` : '';
  const roles = ROLES.map((r) => `<option value="${r}">${r}</option>`).join('');
  return `<h1>Users</h1>${note}<div class="table"><table><caption class="small">Everyone who can sign in</caption>` +
    `<thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Team</th><th scope="col">Free text</th><th scope="col">Access</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    `<h2>Add a user</h2><form method="post" action="/admin/users"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
    `<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="off">` +
    `<label for="role">Role</label><select id="role" name="role">${roles}</select>` +
    `<label for="team">Team (workers see this team's cases)</label><input id="team" name="team" maxlength="64">` +
    `<label for="password">First password (at least 12 characters)</label><input id="password" name="password" type="password" minlength="12" required autocomplete="new-password">` +
    `<p><label><input type="checkbox" name="freeText" value="1"> Researcher may read free text</label></p>` +
    `<p><button type="submit">Add user</button></p></form>`;
}

/** Admin user management: list, add (role, team, free-text grant), remove access (sessions end at once). */
export function registerUsers(app: FastifyInstance, ctx: ViewContext): void {
  const admin = { preHandler: ctx.requireUser(['admin']) };
  const show = async (req: FastifyRequest, reply: FastifyReply, code = 200, message?: { kind: 'error' | 'notice'; text: string }) => {
    const user = userOf(req);
    const main = usersPage(await listUsers(ctx.db), ctx.csrf.token(req), message);
    return ctx.pageHeaders(reply).code(code).type('text/html; charset=utf-8').send(page({ title: 'Users', user, csrf: ctx.csrf.token(req), main, nav: [{ href: '/', label: 'Overview' }] }));
  };

  app.get('/admin/users', admin, (req, reply) => show(req, reply));

  app.post<{ Body: Form }>('/admin/users', admin, async (req, reply) => {
    if (!ctx.formOk(req)) return show(req, reply, 403, { kind: 'error', text: 'This form has expired. Please try again.' });
    const form = req.body ?? {};
    const input = { email: form.email ?? '', role: form.role as BackendUser['role'], teamRef: form.team, password: form.password ?? '', freeTextGranted: form.freeText === '1' };
    const parsed = NewUser.safeParse(input);
    if (!parsed.success) return show(req, reply, 400, { kind: 'error', text: `Not added: ${parsed.error.issues.map((i) => `${String(i.path[0])} needs ${i.message}`).join('; ')}.` });
    const created = await createUser(ctx.db, input);
    if (!created) return show(req, reply, 409, { kind: 'error', text: 'A user with this email exists already.' });
    await ctx.audit(userOf(req), 'user.create', null, { userId: created.id, role: created.role });
    return show(req, reply, 201, { kind: 'notice', text: `Added ${created.email} (${created.role}).` });
  });

  app.post<{ Params: { id: string }; Body: Form }>('/admin/users/:id/disable', admin, async (req, reply) => {
    if (!ctx.formOk(req)) return show(req, reply, 403, { kind: 'error', text: 'This form has expired. Please try again.' });
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id === userOf(req).id) return show(req, reply, 400, { kind: 'error', text: 'You cannot remove your own access.' });
    await ctx.db.tx(async (tx) => {
      await tx.query('UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL', [id]);
      await tx.query('DELETE FROM sessions WHERE user_id = $1', [id]);
    });
    await ctx.audit(userOf(req), 'user.disable', null, { userId: id });
    return show(req, reply, 200, { kind: 'notice', text: 'Access removed.' });
  });
}
