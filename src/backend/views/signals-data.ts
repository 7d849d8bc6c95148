import type { BackendUser } from '../auth/users.js';
import { teamCondition } from '../access.js';
import type { Db } from '../db/port.js';

export interface SignalRow {
  id: string;
  caseRef: string | null;
  teamRef: string | null;
  categories: string[];
  flowId: string;
  respondentRole: string;
  at: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  actionTaken: string | null;
}

interface Row {
  id: string; case_ref: string | null; team_ref: string | null; categories: string[]; flow_id: string; respondent_role: string;
  signalled_at: Date; acknowledged_at: Date | null; acknowledged_by: string | null; action_taken: string | null;
}

const toSignal = (r: Row): SignalRow => ({
  id: r.id, caseRef: r.case_ref, teamRef: r.team_ref, categories: r.categories, flowId: r.flow_id, respondentRole: r.respondent_role,
  at: r.signalled_at, acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, actionTaken: r.action_taken,
});

const SELECT = `SELECT s.id, s.case_ref, s.team_ref, s.categories, s.flow_id, s.respondent_role, s.signalled_at, s.acknowledged_at,
  u.email AS acknowledged_by, s.action_taken FROM safety_signals s LEFT JOIN users u ON u.id = s.acknowledged_by`;

/** The signals `user` may see that nobody has acknowledged, oldest first. */
export async function openSignals(db: Db, user: BackendUser): Promise<SignalRow[]> {
  const team = teamCondition(user, 's.team_ref', 1);
  return (await db.query<Row>(`${SELECT} WHERE s.acknowledged_at IS NULL AND ${team.sql} ORDER BY s.signalled_at, s.id`, team.params)).map(toSignal);
}

/** The most recent acknowledged signals `user` may see, newest first. */
export async function acknowledgedSignals(db: Db, user: BackendUser, limit = 50): Promise<SignalRow[]> {
  const team = teamCondition(user, 's.team_ref', 1);
  return (await db.query<Row>(`${SELECT} WHERE s.acknowledged_at IS NOT NULL AND ${team.sql} ORDER BY s.acknowledged_at DESC LIMIT ${limit}`, team.params)).map(toSignal);
}

/**
 * Records who acknowledged a signal, when and what was done. Only an open signal `user` may see changes: the
 * result says why nothing changed otherwise (gone or not theirs, or acknowledged by someone already).
 */
export async function acknowledgeSignal(db: Db, user: BackendUser, id: string, action: string, at: Date): Promise<{ done: { caseRef: string | null } } | 'unknown' | 'already'> {
  const team = teamCondition(user, 'team_ref', 5);
  const updated = await db.query<{ case_ref: string | null }>(
    `UPDATE safety_signals SET acknowledged_at = $1, acknowledged_by = $2, action_taken = $3 WHERE id = $4 AND acknowledged_at IS NULL AND ${team.sql} RETURNING case_ref`,
    [at, user.id, action, id, ...team.params]);
  if (updated[0]) return { done: { caseRef: updated[0].case_ref } };
  const visible = teamCondition(user, 'team_ref', 2);
  const [row] = await db.query(`SELECT 1 FROM safety_signals WHERE id = $1 AND ${visible.sql}`, [id, ...visible.params]);
  return row ? 'already' : 'unknown';
}
