import { createHash } from 'node:crypto';
import type { Db } from '../db/port.js';
import { randomId } from '../../http/security.js';
import { toUser, USER_COLUMNS, type BackendUser } from './users.js';

/** The session cookie. `__Host-`: Secure, Path=/, host-only, or the browser refuses it. */
export const SESSION_COOKIE = '__Host-fbb';
/** A working day: a shared office computer left signed in does not stay open overnight. */
export const SESSION_SECONDS = 8 * 3600;

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A new session for `userId`; returns the token for the cookie (only its hash is stored). */
export async function openSession(db: Db, userId: number, now = new Date()): Promise<string> {
  const token = randomId();
  await db.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [hashOf(token), userId, new Date(now.getTime() + SESSION_SECONDS * 1000)]);
  return token;
}

export async function sessionUser(db: Db, token: string, now = new Date()): Promise<BackendUser | undefined> {
  const rows = await db.query<Parameters<typeof toUser>[0]>(
    `SELECT ${USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')} FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [hashOf(token), now],
  );
  return rows[0] && toUser(rows[0]);
}

export async function closeSession(db: Db, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashOf(token)]);
}
