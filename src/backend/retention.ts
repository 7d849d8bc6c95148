import type { Db } from './db/port.js';

export interface RetentionPeriods {
  /** Open answers and comments, and the raw payloads that carry them. */
  freeTextDays: number;
  /** Responses with their answers, scores and flags; safety signals; the webhook ids kept for deduplication. */
  scoresDays: number;
  auditDays: number;
}

export interface RetentionResult {
  freeTexts: number;
  payloads: number;
  responses: number;
  signals: number;
  events: number;
  cases: number;
  auditLines: number;
  sessions: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes what has outlived its period, oldest kinds first so foreign keys hold: free text after
 * `freeTextDays` (and the raw payloads, which carry it too), then responses, signals and webhook ids after
 * `scoresDays`, cases left without either, audit lines after `auditDays`, and expired sessions. The erasure
 * log stays (it holds counts only). Run at start and then hourly; safe to run twice.
 */
export async function applyRetention(db: Db, periods: RetentionPeriods, now = new Date()): Promise<RetentionResult> {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const freeText = before(periods.freeTextDays);
  const scores = before(periods.scoresDays);
  return db.tx(async (tx) => {
    const run = (sql: string, params: unknown[]) => tx.query(sql, params).then((rows) => rows.length);
    return {
      freeTexts: await run('DELETE FROM free_texts WHERE answered_at < $1 RETURNING 1', [freeText]),
      payloads: await run('UPDATE webhook_events SET payload = NULL WHERE payload IS NOT NULL AND received_at < $1 RETURNING 1', [freeText]),
      responses: await run('DELETE FROM responses WHERE completed_at < $1 RETURNING 1', [scores]),
      signals: await run('DELETE FROM safety_signals WHERE signalled_at < $1 RETURNING 1', [scores]),
      events: await run(
        `DELETE FROM webhook_events e WHERE received_at < $1
           AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.webhook_id = e.webhook_id)
           AND NOT EXISTS (SELECT 1 FROM safety_signals s WHERE s.webhook_id = e.webhook_id) RETURNING 1`,
        [scores],
      ),
      cases: await run(
        `DELETE FROM cases c WHERE last_seen_at < $1
           AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.case_ref = c.case_ref)
           AND NOT EXISTS (SELECT 1 FROM safety_signals s WHERE s.case_ref = c.case_ref) RETURNING 1`,
        [scores],
      ),
      auditLines: await run('DELETE FROM audit_log WHERE at < $1 RETURNING 1', [before(periods.auditDays)]),
      sessions: await run('DELETE FROM sessions WHERE expires_at < $1 RETURNING 1', [now]),
    };
  });
}
