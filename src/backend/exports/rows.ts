import type { Db } from '../db/port.js';
import { responseWhere, type ExportFilters } from './filters.js';

export interface ResponseRow {
  id: string;
  case_ref: string | null;
  team_ref: string | null;
  respondent_pseudonym: string;
  respondent_role: string;
  respondent_age_band: string | null;
  flow_id: string;
  flow_version: number;
  flow_hash: string;
  locale: string;
  channel: string;
  type: string;
  started_at: Date;
  completed_at: Date;
}

export interface AnswerRow {
  response_id: string;
  position: number;
  item: string;
  status: string;
  value_num: number | null;
  value_code: string | null;
  score: number | null;
  label: string | null;
  answered_at: Date;
  typed: string | null;
  comment: string | null;
}

/** The responses matching the filters, oldest first. */
export function selectResponses(db: Db, f: ExportFilters): Promise<ResponseRow[]> {
  const where = responseWhere(f);
  return db.query<ResponseRow>(
    `SELECT r.id, r.case_ref, r.team_ref, r.respondent_pseudonym, r.respondent_role, r.respondent_age_band, r.flow_id, r.flow_version,
       r.flow_hash, r.locale, r.channel, r.type, r.started_at, r.completed_at FROM responses r WHERE ${where.sql} ORDER BY r.completed_at, r.id`,
    where.params,
  );
}

/** Their answers with any typed text and comment beside them, in answer order. */
export function selectAnswers(db: Db, f: ExportFilters): Promise<AnswerRow[]> {
  const where = responseWhere(f);
  return db.query<AnswerRow>(
    `SELECT a.response_id, a.position, a.item, a.status, a.value_num, a.value_code, a.score, a.label, a.answered_at,
       ta.body AS typed, tc.body AS comment
     FROM responses r JOIN answers a ON a.response_id = r.id
     LEFT JOIN free_texts ta ON ta.response_id = a.response_id AND ta.item = a.item AND ta.source = 'answer'
     LEFT JOIN free_texts tc ON tc.response_id = a.response_id AND tc.item = a.item AND tc.source = 'comment'
     WHERE ${where.sql} ORDER BY r.completed_at, r.id, a.position`,
    where.params,
  );
}
