import { stringify } from 'csv-stringify/sync';
import type { Bank } from '../../survey/load.js';
import type { Db } from '../db/port.js';
import { ANSWER_COLUMNS, itemColumn, RESPONSE_COLUMNS, safeText } from './columns.js';
import { caseKeyer } from './case-key.js';
import type { ExportFilters } from './filters.js';
import { selectAnswers, selectResponses, type AnswerRow, type ResponseRow } from './rows.js';

type Cell = string | number | null;

function responseCells(r: ResponseRow, caseKey: (ref: string | null) => string): Cell[] {
  return [
    r.id, caseKey(r.case_ref), r.team_ref, r.respondent_pseudonym, r.respondent_role, r.respondent_age_band, r.flow_id, r.flow_version,
    r.flow_hash, r.locale, r.channel, r.type.replace('response.', ''), r.started_at.toISOString(), r.completed_at.toISOString(),
  ];
}

/** The raw value of an answer: scale value, option id, or typed text when `freeText` is allowed. */
const valueOf = (a: AnswerRow, freeText: boolean): Cell => a.value_num ?? a.value_code ?? (freeText && a.typed !== null ? safeText(a.typed) : null);

const csv = (header: string[], rows: Cell[][]) => stringify([header, ...rows], { cast: { number: String } });

/** Long form: one row per answer (ANSWER_COLUMNS). */
export async function answersCsv(db: Db, f: ExportFilters, freeText: boolean): Promise<string> {
  const [responses, answers, caseKey] = await Promise.all([selectResponses(db, f), selectAnswers(db, f), caseKeyer(db)]);
  const byId = new Map(responses.map((r) => [r.id, responseCells(r, caseKey)]));
  const rows = answers.flatMap((a) => {
    const response = byId.get(a.response_id);
    if (!response) return []; // arrived between the two reads
    return [[...response, a.position, a.item, a.status, valueOf(a, freeText), a.score, a.label, a.answered_at.toISOString(), freeText && a.comment !== null ? safeText(a.comment) : null]];
  });
  return csv(ANSWER_COLUMNS.map((c) => c.name), rows);
}

/** Every item id of a flow in questionnaire order, follow-up questions right after their item. */
export function flowItemIds(bank: Bank, flowId: string, version: number): string[] {
  const flow = bank.versions.get(`${flowId}@${version}`) ?? bank.flows.get(flowId);
  return (flow?.items ?? []).flatMap((item) => (item.kind === 'scale' && item.followUp ? [item.id, item.followUp.id] : [item.id]));
}

/** Wide form: one row per response, a column per item (raw value), per domain score and per flag. */
export async function responsesCsv(db: Db, bank: Bank, f: ExportFilters, freeText: boolean): Promise<string> {
  const [responses, answers, caseKey] = await Promise.all([selectResponses(db, f), selectAnswers(db, f), caseKeyer(db)]);
  const ids = responses.map((r) => r.id);
  const [scores, flags] = await Promise.all([
    db.query<{ response_id: string; domain: string; score: number | null }>('SELECT response_id, domain, score FROM domain_scores WHERE response_id = ANY($1)', [ids]),
    db.query<{ response_id: string; flag: string; value: boolean }>('SELECT response_id, flag, value FROM flags WHERE response_id = ANY($1)', [ids]),
  ]);
  // Items in questionnaire order of the flows present, then any item no loaded flow knows.
  const items = new Set<string>();
  for (const key of new Set(responses.map((r) => `${r.flow_id}@${r.flow_version}`))) {
    const [id, version] = key.split('@');
    flowItemIds(bank, id!, Number(version)).forEach((i) => items.add(i));
  }
  [...new Set(answers.map((a) => a.item))].sort().forEach((i) => items.add(i));
  const domains = [...new Set(scores.map((s) => s.domain))].sort();
  const flagNames = [...new Set(flags.map((s) => s.flag))].sort();

  const cells = new Map<string, Map<string, Cell>>(ids.map((id) => [id, new Map()]));
  for (const a of answers) cells.get(a.response_id)?.set(`i:${a.item}`, valueOf(a, freeText));
  for (const s of scores) cells.get(s.response_id)?.set(`d:${s.domain}`, s.score);
  for (const s of flags) cells.get(s.response_id)?.set(`f:${s.flag}`, s.value ? 1 : 0);

  const header = [
    ...RESPONSE_COLUMNS.map((c) => c.name), ...[...items].map(itemColumn), ...domains.map((d) => `score_${itemColumn(d)}`), ...flagNames.map((n) => `flag_${n}`),
  ];
  const rows = responses.map((r) => {
    const own = cells.get(r.id)!;
    return [
      ...responseCells(r, caseKey), ...[...items].map((i) => own.get(`i:${i}`) ?? null), ...domains.map((d) => own.get(`d:${d}`) ?? null),
      ...flagNames.map((n) => own.get(`f:${n}`) ?? null),
    ];
  });
  return csv(header, rows);
}
