import type { FastifyInstance } from 'fastify';
import type { Bank } from '../../survey/load.js';
import type { Item, LoadedFlow } from '../../survey/schema.js';
import { aggregateVisible, MIN_GROUP_SIZE } from '../access.js';
import type { ViewContext } from '../context.js';
import { escapeHtml } from '../http/layout.js';
import { barChart } from './charts/bar-chart.js';
import { flowsWithResponses, flowTotals, itemCounts, teamFigures, type ItemCounts, type TeamFigures } from './flow-data.js';
import { answerLabel, domainNames, flowTitle, itemText } from './labels.js';
import { sendPage, sendRefusal, table } from './render.js';
import { planGroups } from './small-groups.js';

export const TOO_FEW = 'too few responses to show';

const percent = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '–');

/** The items in the order the newest version puts them, each follow-up after its item. */
function orderedItems(flow: LoadedFlow): { id: string; item?: Item }[] {
  return flow.items.flatMap((item): { id: string; item?: Item }[] => (item.kind === 'scale' && item.followUp ? [{ id: item.id, item }, { id: item.followUp.id }] : [{ id: item.id, item }]));
}

/** The bars of one item: every possible answer (also those nobody gave), then "don't know" and "skipped". */
function bars(bank: Bank, flow: LoadedFlow, item: Item | undefined, counts: ItemCounts): { label: string; count: number }[] {
  const possible = item?.kind === 'scale' ? (flow.scales[item.scale]?.values ?? []).map(String) : item?.kind === 'choice' ? item.options : [];
  const given = [...counts.values.keys()].filter((k) => k !== 'dontKnow' && k !== 'skipped' && !possible.includes(k));
  return [
    ...[...possible, ...given].map((v) => ({ label: item ? `${v}: ${answerLabel(bank, item, v)}` : v, count: counts.values.get(v) ?? 0 })),
    { label: "don't know", count: counts.values.get('dontKnow') ?? 0 },
    { label: 'skipped', count: counts.values.get('skipped') ?? 0 },
  ];
}

function itemSections(bank: Bank, flow: LoadedFlow, counts: Map<string, ItemCounts>): string {
  return orderedItems(flow).map(({ id, item }, i) => {
    const c = counts.get(id) ?? { reached: 0, stoppedAfter: 0, values: new Map() };
    const heading = `<h3>${escapeHtml(itemText(bank, flow, id))} <span class="small">(${escapeHtml(id)})</span></h3>`;
    if (!aggregateVisible(c.reached)) return `${heading}<p>Put to fewer than ${MIN_GROUP_SIZE} respondents: ${TOO_FEW}.</p>`;
    if (!item || item.kind === 'text') {
      const answered = [...c.values.entries()].filter(([k]) => k !== 'dontKnow' && k !== 'skipped').reduce((n, [, v]) => n + v, 0);
      return `${heading}<p>Open question: answered ${answered} of ${c.reached} times (${percent(answered, c.reached)}). The answers themselves are read per case.</p>`;
    }
    const data = bars(bank, flow, item, c);
    const chart = barChart({ id: `item-${i}`, title: `Answers to ${id}`, desc: `${c.reached} responses: ${data.map((b) => `${b.label} ${b.count}`).join(', ')}.`, bars: data });
    return `${heading}<figure>${chart}<details><summary>The answers as a table</summary>` +
      `${table(`Answers to ${id}`, ['Answer', 'Responses', 'Share'], data.map((b) => [escapeHtml(b.label), String(b.count), percent(b.count, c.reached)]))}</details></figure>`;
  }).join('');
}

function dropOff(bank: Bank, flow: LoadedFlow, counts: Map<string, ItemCounts>, stoppedBeforeAny: number, responses: number): string {
  const rows = orderedItems(flow).map(({ id }) => {
    const c = counts.get(id);
    return [`${escapeHtml(itemText(bank, flow, id))} <span class="small">(${escapeHtml(id)})</span>`, String(c?.reached ?? 0), percent(c?.reached ?? 0, responses), String(c?.stoppedAfter ?? 0)];
  });
  return `<p>${stoppedBeforeAny} partly answered response${stoppedBeforeAny === 1 ? '' : 's'} stopped before the first question.</p>` +
    table('Drop-off per item, in the order of the questionnaire', ['Item', 'Put', 'Share of responses', 'Stopped after it'], rows);
}

function teamRow(bank: Bank, label: string, t: Pick<TeamFigures, 'responses' | 'completed' | 'domains'>): string[] {
  const domains = domainNames(bank).map((d) => {
    const s = t.domains.get(d);
    return s && s.scored ? String(Math.round(s.sum / s.scored)) : '–';
  });
  return [escapeHtml(label), String(t.responses), percent(t.completed, t.responses), ...domains];
}

/** Per team, with small teams pooled (never one on its own) and the pool hidden when it is small too. */
function perTeam(bank: Bank, teams: TeamFigures[]): string {
  if (teams.every((t) => t.team === '')) return '';
  const plan = planGroups(teams.map((t) => ({ key: t.team, responses: t.responses })));
  const byKey = new Map(teams.map((t) => [t.team, t]));
  const name = (key: string) => (key === '' ? 'no team reference' : `team ${key}`);
  const rows = plan.shown.map((k) => teamRow(bank, name(k), byKey.get(k)!));
  if (plan.together.length) {
    const pool = plan.together.map((k) => byKey.get(k)!);
    const label = `${plan.together.length} team${plan.together.length === 1 ? '' : 's'} together (small ones are never shown alone)`;
    if (plan.togetherVisible) {
      const domains = new Map<string, { sum: number; scored: number }>();
      for (const t of pool) for (const [d, s] of t.domains) domains.set(d, { sum: (domains.get(d)?.sum ?? 0) + s.sum, scored: (domains.get(d)?.scored ?? 0) + s.scored });
      rows.push(teamRow(bank, label, { responses: pool.reduce((n, t) => n + t.responses, 0), completed: pool.reduce((n, t) => n + t.completed, 0), domains }));
    } else rows.push([escapeHtml(label), TOO_FEW, '', ...domainNames(bank).map(() => '')]);
  }
  return `<h2>Per team</h2>${table(`Per team (groups under ${MIN_GROUP_SIZE} responses are pooled); mean domain scores 0–100`, ['Team', 'Responses', 'Completed', ...domainNames(bank)], rows)}`;
}

/**
 * `/flows` and `/flows/:flowId`: aggregates for researchers and admins: response and completion figures, drop-off
 * and the answers per item, per team. Nothing about fewer than MIN_GROUP_SIZE responses is shown on its own.
 */
export function registerFlowPages(app: FastifyInstance, ctx: ViewContext): void {
  const guard = { preHandler: ctx.requireUser(['researcher', 'admin']) };

  app.get('/flows', guard, async (req, reply) => {
    const counts = await flowsWithResponses(ctx.db);
    const ids = [...new Set([...ctx.bank.flows.keys(), ...counts.keys()])].sort();
    const rows = ids.map((id) => {
      const n = counts.get(id) ?? 0;
      return [`<a href="/flows/${encodeURIComponent(id)}">${escapeHtml(flowTitle(ctx.bank, id))}</a>`, escapeHtml(id), n === 0 ? 'none yet' : aggregateVisible(n) ? String(n) : `fewer than ${MIN_GROUP_SIZE}`];
    });
    return sendPage(ctx, req, reply, 'Questionnaires', `<h1>Questionnaires</h1>${table('Questionnaires and their responses', ['Questionnaire', 'Id', 'Responses'], rows)}`);
  });

  app.get<{ Params: { flowId: string } }>('/flows/:flowId', guard, async (req, reply) => {
    const flowId = req.params.flowId;
    const flow = ctx.bank.flows.get(flowId);
    if (!flow) return sendRefusal(ctx, req, reply, 404, 'The bot runs no questionnaire with this id.');
    const totals = await flowTotals(ctx.db, flowId);
    const head = `<h1>${escapeHtml(flowTitle(ctx.bank, flowId))}</h1><p class="small">${escapeHtml(flowId)} · versions with responses: ${totals.versions.join(', ') || 'none'}</p>`;
    if (!aggregateVisible(totals.responses)) {
      return sendPage(ctx, req, reply, flowId, `${head}<p class="notice">${totals.responses === 0 ? 'No responses yet.' : `Fewer than ${MIN_GROUP_SIZE} responses: ${TOO_FEW}.`}</p>`);
    }
    const { items, stoppedBeforeAny } = await itemCounts(ctx.db, flowId);
    const summary = `<ul class="cards"><li><span class="figure">${totals.responses}</span>responses from ${totals.checkins} check-ins</li>` +
      `<li><span class="figure">${percent(totals.completed, totals.responses)}</span>completed (${totals.completed})</li>` +
      `<li><span class="figure">${totals.responses - totals.completed}</span>partly answered (the conversation ended before the last question)</li></ul>` +
      '<p class="small">An invitation nobody answered sends nothing to the backend, so the share of invitations answered is counted by the bot, not here.</p>';
    const main = `${head}<h2>Responses</h2>${summary}<h2>Drop-off</h2>${dropOff(ctx.bank, flow, items, stoppedBeforeAny, totals.responses)}` +
      perTeam(ctx.bank, await teamFigures(ctx.db, flowId)) + `<h2>Answers per item</h2>${itemSections(ctx.bank, flow, items)}`;
    return sendPage(ctx, req, reply, flowId, main);
  });
}
