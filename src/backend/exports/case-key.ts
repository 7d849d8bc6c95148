import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/port.js';

/**
 * Research exports never carry the worker's case reference: a keyed hash stands in for it (stable within this
 * installation, so a case's responses still link up; useless elsewhere). The key is made once and kept in
 * `backend_settings`.
 */
export async function caseKeyer(db: Db): Promise<(caseRef: string | null) => string> {
  await db.query('INSERT INTO backend_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', ['export_case_key', randomBytes(32).toString('base64')]);
  const [row] = await db.query<{ value: string }>('SELECT value FROM backend_settings WHERE name = $1', ['export_case_key']);
  const key = row!.value;
  return (caseRef) => (caseRef === null ? '' : `c_${createHmac('sha256', key).update(caseRef).digest('base64url').slice(0, 16)}`);
}
