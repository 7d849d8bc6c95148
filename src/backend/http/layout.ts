import { escapeHtml } from '../../http/html.js';
import type { BackendUser } from '../auth/users.js';
import { BACKEND_CSS } from './assets.js';

export { escapeHtml };

export interface PageOptions {
  title: string;
  /** Already escaped HTML of the page's main part. */
  main: string;
  /** Signed in: the header shows who, the links they may use and a sign-out form (needs `csrf`). */
  user?: BackendUser;
  csrf?: string;
  /** Extra style sheets of this origin (a views asset path). */
  styles?: string[];
  /** Header links `{ href, label }` shown to a signed-in user. */
  nav?: { href: string; label: string }[];
}

/** The frame of every backend page: language, viewport, style sheets, header with sign-out, main landmark. */
export function page(o: PageOptions): string {
  const styles = [BACKEND_CSS.path, ...(o.styles ?? [])].map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  const nav = (o.nav ?? []).map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></li>`).join('');
  const header = o.user
    ? `<header><nav aria-label="Main"><ul>${nav}</ul></nav><form method="post" action="/logout"><input type="hidden" name="csrf" value="${escapeHtml(o.csrf ?? '')}">` +
      `<span class="small">${escapeHtml(o.user.email)} (${o.user.role})</span> <button class="quiet" type="submit">Sign out</button></form></header>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(o.title)} · feedbackbot</title>${styles}</head><body>${header}<main>${o.main}</main></body></html>`;
}
