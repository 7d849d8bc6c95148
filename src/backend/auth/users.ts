import { z } from 'zod';
import type { Db } from '../db/port.js';
import { hashPassword } from './passwords.js';

export const ROLES = ['worker', 'researcher', 'admin'] as const;
export const UserRole = z.enum(ROLES);
export type UserRole = z.infer<typeof UserRole>;

/** A signed-in person as every route sees them (never the password hash). */
export interface BackendUser {
  id: number;
  email: string;
  role: UserRole;
  /** A worker sees the cases of this team; null: no team (a worker without one sees no cases). */
  teamRef: string | null;
  /** A researcher sees free text only with this grant. */
  freeTextGranted: boolean;
}

export const NewUser = z.object({
  email: z.email('a valid email address').transform((e) => e.toLowerCase()),
  role: UserRole,
  teamRef: z.string().trim().max(64).optional().transform((t) => t || null),
  password: z.string().min(12, 'a password of at least 12 characters').max(512),
  freeTextGranted: z.boolean().default(false),
});
export type NewUser = z.input<typeof NewUser>;

interface UserRow {
  id: number;
  email: string;
  role: UserRole;
  team_ref: string | null;
  free_text_granted: boolean;
  password_hash: string;
}

export const USER_COLUMNS = 'id, email, role, team_ref, free_text_granted, password_hash';
export const toUser = (row: UserRow): BackendUser => ({
  id: Number(row.id), email: row.email, role: row.role, teamRef: row.team_ref, freeTextGranted: row.free_text_granted,
});

/** Creates a user; undefined when the email is taken. */
export async function createUser(db: Db, input: NewUser): Promise<BackendUser | undefined> {
  const user = NewUser.parse(input);
  const hash = await hashPassword(user.password);
  const rows = await db.query<UserRow>(
    `INSERT INTO users (email, role, team_ref, password_hash, free_text_granted) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [user.email, user.role, user.teamRef, hash, user.freeTextGranted],
  );
  return rows[0] && toUser(rows[0]);
}

/** The user with this email and their password hash, when active. */
export async function findLogin(db: Db, email: string): Promise<{ user: BackendUser; passwordHash: string } | undefined> {
  const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1 AND disabled_at IS NULL`, [email.trim().toLowerCase()]);
  return rows[0] && { user: toUser(rows[0]), passwordHash: rows[0].password_hash };
}

export async function listUsers(db: Db): Promise<BackendUser[]> {
  return (await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE disabled_at IS NULL ORDER BY email`)).map(toUser);
}

/**
 * The first admin, from BACKEND_ADMIN_EMAIL/BACKEND_ADMIN_PASSWORD, only while no admin exists: later starts
 * with the same variables change nothing (a changed password in the environment does not override one set since).
 */
export async function ensureFirstAdmin(db: Db, email: string | undefined, password: string | undefined): Promise<'created' | 'exists' | 'none'> {
  const admins = await db.query("SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL LIMIT 1");
  if (admins.length > 0) return 'exists';
  if (!email || !password) return 'none';
  await createUser(db, { email, password, role: 'admin' });
  return 'created';
}
