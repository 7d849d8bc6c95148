import type { Db } from '../db/port.js';

export interface CaseCheckin {
  id: string;
  type: 'response.completed' | 'response.partial';
  flowId: string;
  flowVersion: number;
  respondentRole: string;
  at: Date;
  scores: Record<string, number | null>;
  flags: string[];
  /** What the respondent typed, per item; empty when the viewer may not read free text. */
  texts: { item: string; source: 'answer' | 'comment'; body: string }[];
}

export interface CaseSignal {
  id: string;
  categories: string[];
  at: Date;
  acknowledgedAt: Date | null;
}

/** The case's team (for the access check); undefined when no response ever named this case. */
export async function caseTeam(db: Db, caseRef: string): Promise<{ teamRef: string | null } | undefined> {
  const [row] = await db.query<{ team_ref: string | null }>('SELECT team_ref FROM cases WHERE case_ref = $1', [caseRef]);
  return row && { teamRef: row.team_ref };
}

/** Every check-in of a case, oldest first, with its domain scores, raised flags and (when allowed) free text. */
export async function caseCheckins(db: Db, caseRef: string, withText: boolean): Promise<CaseCheckin[]> {
  const rows = await db.query<{ id: string; type: CaseCheckin['type']; flow_id: string; flow_version: number; respondent_role: string; completed_at: Date }>(
    'SELECT id, type, flow_id, flow_version, respondent_role, completed_at FROM responses WHERE case_ref = $1 ORDER BY completed_at, id', [caseRef]);
  const byId = new Map(rows.map((r) => [r.id, {
    id: r.id, type: r.type, flowId: r.flow_id, flowVersion: r.flow_version, respondentRole: r.respondent_role, at: r.completed_at, scores: {}, flags: [], texts: [],
  } as CaseCheckin]));
  const scores = await db.query<{ response_id: string; domain: string; score: number | null }>(
    'SELECT d.response_id, d.domain, d.score FROM domain_scores d JOIN responses r ON r.id = d.response_id WHERE r.case_ref = $1', [caseRef]);
  for (const s of scores) byId.get(s.response_id)!.scores[s.domain] = s.score;
  const flags = await db.query<{ response_id: string; flag: string }>(
    'SELECT f.response_id, f.flag FROM flags f JOIN responses r ON r.id = f.response_id WHERE r.case_ref = $1 AND f.value ORDER BY f.flag', [caseRef]);
  for (const f of flags) byId.get(f.response_id)!.flags.push(f.flag);
  if (withText) {
    const texts = await db.query<{ response_id: string; item: string; source: 'answer' | 'comment'; body: string }>(
      'SELECT t.response_id, t.item, t.source, t.body FROM free_texts t JOIN responses r ON r.id = t.response_id WHERE r.case_ref = $1 ORDER BY t.answered_at', [caseRef]);
    for (const t of texts) byId.get(t.response_id)!.texts.push({ item: t.item, source: t.source, body: t.body });
  }
  return [...byId.values()];
}

export async function caseSignals(db: Db, caseRef: string): Promise<CaseSignal[]> {
  const rows = await db.query<{ id: string; categories: string[]; signalled_at: Date; acknowledged_at: Date | null }>(
    'SELECT id, categories, signalled_at, acknowledged_at FROM safety_signals WHERE case_ref = $1 ORDER BY signalled_at', [caseRef]);
  return rows.map((r) => ({ id: r.id, categories: r.categories, at: r.signalled_at, acknowledgedAt: r.acknowledged_at }));
}
