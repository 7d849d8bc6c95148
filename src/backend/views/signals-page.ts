import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { userOf, type ViewContext } from '../context.js';
import { escapeHtml } from '../http/layout.js';
import { flowTitle } from './labels.js';
import { sendPage, table, when } from './render.js';
import { acknowledgedSignals, acknowledgeSignal, openSignals, type SignalRow } from './signals-data.js';

/** What was done is a note for colleagues, not a report: long enough for that, short enough to stay one. */
const ACTION_MAX = 2000;

type Message = { kind: 'error' | 'notice'; text: string };

function age(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days) return `${days} d ${hours} h`;
  return hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

function caseLink(s: SignalRow): string {
  return s.caseRef ? `<a href="/cases/${encodeURIComponent(s.caseRef)}">${escapeHtml(s.caseRef)}</a>` : 'no case reference';
}

function openCard(ctx: ViewContext, s: SignalRow, csrf: string, now: Date): string {
  const overdue = now.getTime() - s.at.getTime() > ctx.signalOverdueMinutes * 60_000;
  const id = escapeHtml(s.id);
  return `<li class="signal${overdue ? ' overdue' : ''}" aria-labelledby="sig-${id}"><h3 id="sig-${id}">${overdue ? '<span class="badge">Overdue</span> ' : ''}Case ${caseLink(s)}</h3>` +
    `<dl><dt>Signalled</dt><dd>${escapeHtml(when(s.at))} (${age(s.at, now)} ago)</dd><dt>Categories</dt><dd>${s.categories.map(escapeHtml).join(', ')}</dd>` +
    `<dt>Questionnaire</dt><dd>${escapeHtml(flowTitle(ctx.bank, s.flowId))}, ${escapeHtml(s.respondentRole)}</dd></dl>` +
    `<form method="post" action="/signals/${encodeURIComponent(s.id)}/acknowledge"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
    `<label for="action-${id}">What was done</label><textarea id="action-${id}" name="action" required maxlength="${ACTION_MAX}"></textarea>` +
    `<p><button type="submit">Acknowledge</button></p></form></li>`;
}

async function signalsPage(ctx: ViewContext, req: FastifyRequest, message?: Message): Promise<string> {
  const user = userOf(req);
  const now = ctx.now();
  const open = await openSignals(ctx.db, user);
  const done = await acknowledgedSignals(ctx.db, user);
  const overdue = open.filter((s) => now.getTime() - s.at.getTime() > ctx.signalOverdueMinutes * 60_000).length;
  const note = message ? `<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${escapeHtml(message.text)}</p>` : '';
  const queue = open.length
    ? `<ol class="plain">${open.map((s) => openCard(ctx, s, ctx.csrf.token(req), now)).join('')}</ol>`
    : '<p>No signal is waiting.</p>';
  const history = done.length
    ? table('Acknowledged signals, newest first', ['Case', 'Signalled', 'Categories', 'Acknowledged', 'By', 'What was done'], done.map((s) => [
      caseLink(s), escapeHtml(when(s.at)), s.categories.map(escapeHtml).join(', '), escapeHtml(when(s.acknowledgedAt!)), escapeHtml(s.acknowledgedBy ?? 'a removed user'), escapeHtml(s.actionTaken ?? ''),
    ]))
    : '<p>None yet.</p>';
  return `<h1>Safety signals</h1>${note}<p>${open.length} waiting, ${overdue} overdue (not acknowledged within ${ctx.signalOverdueMinutes} minutes). Oldest first.</p>` +
    `<h2>Waiting for acknowledgement</h2>${queue}<h2>Acknowledged</h2>${history}`;
}

/**
 * `/signals`: the queue of safety signals a worker's team (an admin: every team) must acknowledge, oldest first,
 * overdue ones marked in words; a signal leaves it only when someone says what was done.
 */
export function registerSignalsPage(app: FastifyInstance, ctx: ViewContext): void {
  const guard = { preHandler: ctx.requireUser(['worker', 'admin']) };
  const show = async (req: FastifyRequest, reply: FastifyReply, code = 200, message?: Message) => sendPage(ctx, req, reply, 'Safety signals', await signalsPage(ctx, req, message), code);

  app.get<{ Querystring: { acknowledged?: string } }>('/signals', guard, (req, reply) =>
    show(req, reply, 200, req.query.acknowledged === '1' ? { kind: 'notice', text: 'Acknowledged. The signal has moved to the list below.' } : undefined));

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>('/signals/:id/acknowledge', guard, async (req, reply) => {
    if (!ctx.formOk(req)) return show(req, reply, 403, { kind: 'error', text: 'This form has expired. Please try again.' });
    const action = (req.body?.action ?? '').trim();
    if (!action || action.length > ACTION_MAX) return show(req, reply, 400, { kind: 'error', text: `Please say what was done (up to ${ACTION_MAX} characters); the signal stays in the queue.` });
    const result = await acknowledgeSignal(ctx.db, userOf(req), req.params.id, action, ctx.now());
    if (result === 'unknown') return show(req, reply, 404, { kind: 'error', text: 'There is no such signal in your queue.' });
    if (result === 'already') return show(req, reply, 409, { kind: 'notice', text: 'Someone acknowledged this signal already.' });
    await ctx.audit(userOf(req), 'signal.acknowledge', result.done.caseRef, { signalId: req.params.id });
    return reply.redirect('/signals?acknowledged=1', 303);
  });
}
