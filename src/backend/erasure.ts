import type { Db } from './db/port.js';

/**
 * Deletes every row of one respondent (by pseudonym): responses with their answers, free text, scores and
 * flags, safety signals, and the raw payloads that carried them (the webhook-id stays, payload cleared, so a
 * late retry of the same delivery is still recognised and not stored again). The erasure log keeps counts
 * and the reason, never the pseudonym. Returns what was deleted.
 */
export async function eraseRespondent(db: Db, pseudonym: string, reason: string): Promise<{ responses: number; signals: number }> {
  return db.tx(async (tx) => {
    const responses = await tx.query<{ webhook_id: string }>('DELETE FROM responses WHERE respondent_pseudonym = $1 RETURNING webhook_id', [pseudonym]);
    const signals = await tx.query<{ webhook_id: string }>('DELETE FROM safety_signals WHERE respondent_pseudonym = $1 RETURNING webhook_id', [pseudonym]);
    await tx.query("UPDATE webhook_events SET payload = NULL WHERE payload -> 'respondent' ->> 'pseudonym' = $1", [pseudonym]);
    const counts = { responses: responses.length, signals: signals.length };
    await tx.query('INSERT INTO erasure_log (reason, responses, signals) VALUES ($1, $2, $3)', [reason, counts.responses, counts.signals]);
    return counts;
  });
}
