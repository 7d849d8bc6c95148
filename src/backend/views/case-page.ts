import type { FastifyInstance } from 'fastify';
import type { Bank } from '../../survey/load.js';
import { canSeeFreeText, canViewCase } from '../access.js';
import { userOf, type ViewContext } from '../context.js';
import { escapeHtml } from '../http/layout.js';
import { caseCheckins, caseSignals, caseTeam, type CaseCheckin, type CaseSignal } from './case-data.js';
import { lineChart } from './charts/line-chart.js';
import { domainNames, flowTitle, itemText } from './labels.js';
import { sendPage, sendRefusal, table, when } from './render.js';

const score = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(Math.round(v)));

/** One chart per respondent (child, parent…): their lines are not one person's and are not joined. */
function trajectories(bank: Bank, caseRef: string, checkins: CaseCheckin[]): string {
  const domains = domainNames(bank).filter((d) => checkins.some((c) => d in c.scores));
  const roles = [...new Set(checkins.map((c) => c.respondentRole))];
  return roles.map((role, i) => {
    const mine = checkins.filter((c) => c.respondentRole === role);
    const series = domains.filter((d) => mine.some((c) => d in c.scores)).map((d) => ({ name: d, points: mine.map((c) => ({ at: c.at, value: c.scores[d] ?? null })) }));
    const chart = lineChart({
      id: `trajectory-${i}`, title: `Domain scores of the ${role} over time`, domain: [0, 100], yLabel: 'score 0–100', series,
      desc: `${mine.length} check-in${mine.length === 1 ? '' : 's'} of the ${role} in case ${caseRef}, from ${when(mine[0]!.at)} to ${when(mine.at(-1)!.at)}. ` +
        series.map((s) => `${s.name}: ${s.points.map((p) => score(p.value)).join(', ')}`).join('; ') + '.',
    });
    const rows = mine.map((c) => [escapeHtml(when(c.at)), ...series.map((s) => score(c.scores[s.name]))]);
    return `<figure><figcaption>Check-ins of the ${escapeHtml(role)}</figcaption>${chart}` +
      `<details><summary>The scores as a table</summary>${table(`Domain scores of the ${role} (0–100)`, ['Check-in', ...series.map((s) => s.name)], rows)}</details></figure>`;
  }).join('');
}

function checkinTable(bank: Bank, checkins: CaseCheckin[]): string {
  const rows = checkins.map((c) => [
    escapeHtml(when(c.at)),
    `${escapeHtml(flowTitle(bank, c.flowId))} <span class="small">(${escapeHtml(c.flowId)}, version ${c.flowVersion})</span>`,
    escapeHtml(c.respondentRole),
    c.type === 'response.completed' ? 'completed' : 'partly answered',
    c.flags.length ? c.flags.map(escapeHtml).join(', ') : 'none',
  ]);
  return table('Every check-in, oldest first', ['Check-in', 'Questionnaire and version', 'Respondent', 'Status', 'Flags'], rows);
}

function openAnswers(bank: Bank, checkins: CaseCheckin[], allowed: boolean): string {
  if (!allowed) return '<h2>Open answers</h2><p class="notice">Open answers are not shown to your role.</p>';
  const blocks = checkins.filter((c) => c.texts.length).map((c) => {
    const flow = bank.versions.get(`${c.flowId}@${c.flowVersion}`) ?? bank.flows.get(c.flowId);
    const items = c.texts.map((t) => `<dt>${escapeHtml(flow ? itemText(bank, flow, t.item) : t.item)}${t.source === 'comment' ? ' (comment)' : ''}</dt><dd><blockquote>${escapeHtml(t.body)}</blockquote></dd>`).join('');
    return `<h3>${escapeHtml(when(c.at))}, ${escapeHtml(c.respondentRole)}</h3><dl>${items}</dl>`;
  }).join('');
  return `<h2>Open answers</h2>${blocks || '<p>No open answers (or they have passed their retention period).</p>'}`;
}

function signalList(signals: CaseSignal[]): string {
  if (!signals.length) return '';
  const items = signals.map((s) => `<li>${escapeHtml(when(s.at))}: ${s.categories.map(escapeHtml).join(', ')} — ` +
    (s.acknowledgedAt ? `acknowledged ${escapeHtml(when(s.acknowledgedAt))}` : '<strong>not acknowledged yet</strong> (<a href="/signals">queue</a>)') + '</li>').join('');
  return `<h2>Safety signals</h2><ul>${items}</ul>`;
}

/**
 * `/cases/:caseRef`: a case's trajectory. A worker opens only their team's cases (403 otherwise, and the attempt is
 * logged); every view is written to the audit log.
 */
export function registerCasePage(app: FastifyInstance, ctx: ViewContext): void {
  app.get<{ Params: { caseRef: string } }>('/cases/:caseRef', { preHandler: ctx.requireUser(['worker', 'admin']) }, async (req, reply) => {
    const user = userOf(req);
    const caseRef = req.params.caseRef;
    const found = await caseTeam(ctx.db, caseRef);
    if (!canViewCase(user, found?.teamRef ?? null)) {
      await ctx.audit(user, 'case.denied', caseRef);
      return sendRefusal(ctx, req, reply, 403, 'This case belongs to another team.');
    }
    if (!found) return sendRefusal(ctx, req, reply, 404, 'No check-in has named this case.');
    await ctx.audit(user, 'case.view', caseRef);
    const withText = canSeeFreeText(user);
    const checkins = await caseCheckins(ctx.db, caseRef, withText);
    const main = `<h1>Case ${escapeHtml(caseRef)}</h1><p class="small">Team ${escapeHtml(found.teamRef ?? 'not set')} · ${checkins.length} check-in${checkins.length === 1 ? '' : 's'}</p>` +
      (checkins.length ? `<h2>Over time</h2>${trajectories(ctx.bank, caseRef, checkins)}<h2>Check-ins</h2>${checkinTable(ctx.bank, checkins)}` : '<p>No check-ins stored for this case.</p>') +
      signalList(await caseSignals(ctx.db, caseRef)) + openAnswers(ctx.bank, checkins, withText);
    return sendPage(ctx, req, reply, `Case ${caseRef}`, main);
  });
}
