import type { Db } from './db/port.js';

/** Whose data: one respondent (pseudonym), or every respondent of a case (the family the worker's reference names). */
export type Subject = { pseudonym: string } | { caseRef: string };

/**
 * Everything the backend holds about a subject, for a subject access request: responses with their answers, free
 * text, domain scores and flags, and safety signals with their acknowledgement — as plain JSON, oldest first.
 */
export async function subjectData(db: Db, subject: Subject) {
  const [column, value] = 'pseudonym' in subject ? ['respondent_pseudonym', subject.pseudonym] : ['case_ref', subject.caseRef];
  const responses = await db.query<{ id: string } & Record<string, unknown>>(`SELECT * FROM responses WHERE ${column} = $1 ORDER BY completed_at`, [value]);
  const ids = responses.map((r) => r.id);
  const [answers, freeTexts, scores, flags, signals] = await Promise.all([
    db.query<{ response_id: string }>('SELECT * FROM answers WHERE response_id = ANY($1) ORDER BY position', [ids]),
    db.query<{ response_id: string }>('SELECT * FROM free_texts WHERE response_id = ANY($1)', [ids]),
    db.query<{ response_id: string }>('SELECT * FROM domain_scores WHERE response_id = ANY($1)', [ids]),
    db.query<{ response_id: string }>('SELECT * FROM flags WHERE response_id = ANY($1)', [ids]),
    db.query(`SELECT * FROM safety_signals WHERE ${column} = $1 ORDER BY signalled_at`, [value]),
  ]);
  const of = <T extends { response_id: string }>(rows: T[], id: string) => rows.filter((r) => r.response_id === id).map(({ response_id: _, ...rest }) => rest);
  return {
    subject,
    responses: responses.map((r) => ({ ...r, answers: of(answers, r.id), freeTexts: of(freeTexts, r.id), scores: of(scores, r.id), flags: of(flags, r.id) })),
    safetySignals: signals,
  };
}
