import type { Db } from '../db/port.js';
import type { ResponseDocument, SafetySignal } from '../../survey/payload.js';
import type { Bank } from '../../survey/load.js';

/** Whether an item's answer is something the respondent typed (an open item), by flow id and version. */
export type IsFreeText = (flowId: string, version: number, item: string) => boolean;

/**
 * From the bot's own flows: a `text` item's value is free text. An item the backend does not know (a flow
 * version it has not loaded) counts as free text when its value is a string — on the side of privacy: it is
 * then deleted with the free text, never kept as long as scores.
 */
export function freeTextItems(bank: Bank): IsFreeText {
  return (flowId, version, item) => {
    const flow = bank.versions.get(`${flowId}@${version}`) ?? bank.flows.get(flowId);
    const index = flow?.index.get(item);
    return index === undefined ? true : flow!.items[index]!.kind === 'text';
  };
}

/** The case a check-in belongs to, created on first sight; a later team reference replaces an earlier one. */
async function touchCase(db: Db, caseRef: string | null, teamRef: string | null, at: string): Promise<void> {
  if (caseRef === null) return;
  await db.query(
    `INSERT INTO cases (case_ref, team_ref, first_seen_at, last_seen_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (case_ref) DO UPDATE SET team_ref = COALESCE(EXCLUDED.team_ref, cases.team_ref),
       first_seen_at = LEAST(cases.first_seen_at, EXCLUDED.first_seen_at), last_seen_at = GREATEST(cases.last_seen_at, EXCLUDED.last_seen_at)`,
    [caseRef, teamRef, at],
  );
}

/** One response in the normalised tables (inside the receiver's transaction). A response id seen before is left as it is. */
export async function storeResponse(db: Db, webhookId: string, doc: ResponseDocument, isFreeText: IsFreeText): Promise<void> {
  const teamRef = doc.teamRef ?? null;
  await touchCase(db, doc.caseRef, teamRef, doc.completedAt);
  await db.query('INSERT INTO flow_versions (flow_id, version, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [doc.flow.id, doc.flow.version, doc.flow.hash]);
  const inserted = await db.query(
    `INSERT INTO responses (id, webhook_id, type, checkin_id, case_ref, team_ref, flow_id, flow_version, flow_hash,
       respondent_role, respondent_age_band, respondent_pseudonym, locale, channel, started_at, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [doc.id, webhookId, doc.type, doc.checkinId, doc.caseRef, teamRef, doc.flow.id, doc.flow.version, doc.flow.hash,
      doc.respondent.role, doc.respondent.ageBand, doc.respondent.pseudonym, doc.locale, doc.channel, doc.startedAt, doc.completedAt],
  );
  if (inserted.length === 0) return;
  for (const [position, a] of doc.answers.entries()) {
    const typed = typeof a.value === 'string' && isFreeText(doc.flow.id, doc.flow.version, a.item);
    await db.query(
      `INSERT INTO answers (response_id, position, item, status, value_num, value_code, score, label, answered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [doc.id, position, a.item, a.status, typeof a.value === 'number' ? a.value : null, typeof a.value === 'string' && !typed ? a.value : null,
        a.score, typed ? null : a.label, a.answeredAt],
    );
    if (typed) await insertFreeText(db, doc.id, a.item, 'answer', a.value as string, a.answeredAt);
    if (a.comment) await insertFreeText(db, doc.id, a.item, 'comment', a.comment, a.answeredAt);
  }
  for (const [domain, s] of Object.entries(doc.scores)) {
    await db.query('INSERT INTO domain_scores (response_id, domain, score, answered, of) VALUES ($1, $2, $3, $4, $5)', [doc.id, domain, s.score, s.answered, s.of]);
  }
  for (const [flag, value] of Object.entries(doc.flags)) {
    await db.query('INSERT INTO flags (response_id, flag, value) VALUES ($1, $2, $3)', [doc.id, flag, value]);
  }
}

const insertFreeText = (db: Db, responseId: string, item: string, source: 'answer' | 'comment', body: string, at: string) =>
  db.query('INSERT INTO free_texts (response_id, item, source, body, answered_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [responseId, item, source, body, at]);

export async function storeSignal(db: Db, webhookId: string, signal: SafetySignal): Promise<void> {
  const teamRef = signal.teamRef ?? null;
  await touchCase(db, signal.caseRef, teamRef, signal.at);
  await db.query(
    `INSERT INTO safety_signals (id, webhook_id, checkin_id, case_ref, team_ref, flow_id, flow_version, respondent_role,
       respondent_age_band, respondent_pseudonym, categories, item, signalled_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
    [signal.id, webhookId, signal.checkinId, signal.caseRef, teamRef, signal.flow.id, signal.flow.version, signal.respondent.role,
      signal.respondent.ageBand, signal.respondent.pseudonym, signal.categories, signal.item, signal.at],
  );
}
