import type { FastifyInstance } from 'fastify';
import { teamCondition } from '../access.js';
import type { BackendUser } from '../auth/users.js';
import { userOf, type ViewContext } from '../context.js';
import { escapeHtml } from '../http/layout.js';
import { sendPage, table, when } from './render.js';
import { openSignals } from './signals-data.js';

/** The cases `user` may open, most recent check-in first. */
async function visibleCases(ctx: ViewContext, user: BackendUser) {
  const team = teamCondition(user, 'c.team_ref', 1);
  return ctx.db.query<{ case_ref: string; team_ref: string | null; last_seen_at: Date; checkins: number }>(
    `SELECT c.case_ref, c.team_ref, c.last_seen_at, (SELECT count(*) FROM responses r WHERE r.case_ref = c.case_ref) AS checkins
     FROM cases c WHERE ${team.sql} ORDER BY c.last_seen_at DESC LIMIT 200`, team.params);
}

/** `/`: what the signed-in role may see, with the open signals and the team's cases one step away. */
export function registerHomePage(app: FastifyInstance, ctx: ViewContext): void {
  app.get('/', { preHandler: ctx.requireUser() }, async (req, reply) => {
    const user = userOf(req);
    const parts = [`<h1>Overview</h1>`];
    const cards: string[] = [];
    if (user.role !== 'researcher') {
      const open = await openSignals(ctx.db, user);
      const overdue = open.filter((s) => ctx.now().getTime() - s.at.getTime() > ctx.signalOverdueMinutes * 60_000).length;
      cards.push(`<li><a href="/signals">Safety signals</a><span class="figure">${open.length}</span>waiting${overdue ? `, <span class="badge">${overdue} overdue</span>` : ''}</li>`);
    }
    if (user.role !== 'worker') cards.push('<li><a href="/flows">Questionnaires</a><br>Response figures and answers per item, groups of 5 or more</li>');
    if (user.role !== 'worker') cards.push('<li><a href="/exports/codebook.json">Codebook</a>, <a href="/exports/answers.csv">answers (long CSV)</a>, <a href="/exports/responses.csv">responses (wide CSV)</a></li>');
    if (user.role === 'admin') cards.push('<li><a href="/admin/users">Users</a><br>Who may sign in, with which role</li>');
    parts.push(`<ul class="cards">${cards.join('')}</ul>`);
    if (user.role !== 'researcher') {
      const cases = await visibleCases(ctx, user);
      const title = user.role === 'admin' ? 'Cases' : `Cases of team ${user.teamRef ?? '(none set: ask an admin)'}`;
      parts.push(`<h2>${escapeHtml(title)}</h2>`, cases.length
        ? table('Cases, most recent check-in first', ['Case', 'Team', 'Check-ins', 'Last check-in'], cases.map((c) => [
          `<a href="/cases/${encodeURIComponent(c.case_ref)}">${escapeHtml(c.case_ref)}</a>`, escapeHtml(c.team_ref ?? '–'), String(c.checkins), escapeHtml(when(c.last_seen_at)),
        ]))
        : '<p>No cases yet.</p>');
    }
    return sendPage(ctx, req, reply, 'Overview', parts.join(''));
  });
}
