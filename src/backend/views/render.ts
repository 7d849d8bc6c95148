import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackendUser } from '../auth/users.js';
import { userOf, type ViewContext } from '../context.js';
import { escapeHtml, page } from '../http/layout.js';
import { VIEWS_CSS } from './assets.js';

/** The header links a role may follow: nobody is shown a page they would be refused. */
export function navFor(user: BackendUser): { href: string; label: string }[] {
  const links = [{ href: '/', label: 'Overview' }];
  if (user.role !== 'researcher') links.push({ href: '/signals', label: 'Safety signals' });
  if (user.role !== 'worker') links.push({ href: '/flows', label: 'Questionnaires' });
  if (user.role === 'admin') links.push({ href: '/admin/users', label: 'Users' });
  return links;
}

/** Sends one view in the backend's frame, with its headers (CSP and the rest) and the views' style sheet. */
export function sendPage(ctx: ViewContext, req: FastifyRequest, reply: FastifyReply, title: string, main: string, code = 200) {
  const user = userOf(req);
  const html = page({ title, main, user, csrf: ctx.csrf.token(req), styles: [VIEWS_CSS.path], nav: navFor(user) });
  return ctx.pageHeaders(reply).code(code).type('text/html; charset=utf-8').send(html);
}

/** A refusal as a page: the signed-in user keeps the header and a way back. */
export const sendRefusal = (ctx: ViewContext, req: FastifyRequest, reply: FastifyReply, code: 403 | 404, text: string) =>
  sendPage(ctx, req, reply, code === 403 ? 'No access' : 'Not found', `<h1>${code === 403 ? 'No access' : 'Not found'}</h1><p>${escapeHtml(text)}</p><p><a href="/">Back to the overview</a></p>`, code);

/** A table with a caption, column headers and already escaped cells, scrolling sideways on a phone. */
export function table(caption: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('');
  // Focusable and named, so a keyboard user can scroll a wide table on a phone.
  return `<div class="table" tabindex="0" role="region" aria-label="${escapeHtml(caption)}"><table><caption class="small">${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A date and time the same way on every page (UTC, to the minute). */
export const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
