import type { Db } from './db/port.js';
import type { BackendUser } from './auth/users.js';

/** Writes one line of the audit log: who did what, to which case (if any), when. `detail` carries no free text. */
export type Audit = (user: BackendUser | undefined, action: string, caseRef?: string | null, detail?: Record<string, unknown>) => Promise<void>;

export const createAudit = (db: Db): Audit => async (user, action, caseRef = null, detail) => {
  await db.query('INSERT INTO audit_log (user_id, action, case_ref, detail) VALUES ($1, $2, $3, $4)', [user?.id ?? null, action, caseRef, detail ?? null]);
};
