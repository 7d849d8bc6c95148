import type { BackendUser } from './auth/users.js';

/**
 * Who may see what, in one place, for every view and export:
 * - a worker sees the cases of their own team (and their free text): never another team's;
 * - a researcher sees aggregates and pseudonymised exports, free text only with the grant;
 * - an admin manages users and may see everything.
 * A group of fewer than MIN_GROUP_SIZE responses is never shown as an aggregate on its own: with so few,
 * a mean or a distribution points at a family.
 */
export const MIN_GROUP_SIZE = 5;

/** Whether an aggregate over `responses` responses may be shown on its own. */
export const aggregateVisible = (responses: number): boolean => responses >= MIN_GROUP_SIZE;

export function canViewCase(user: BackendUser, caseTeamRef: string | null): boolean {
  if (user.role === 'admin') return true;
  return user.role === 'worker' && user.teamRef !== null && caseTeamRef === user.teamRef;
}

export function canSeeFreeText(user: BackendUser): boolean {
  return user.role !== 'researcher' || user.freeTextGranted;
}

/**
 * A SQL condition limiting `column` (a team_ref column) to the cases `user` may open, with its parameter at
 * `$<index>`: all for an admin, their team for a worker, none for a researcher.
 */
export function teamCondition(user: BackendUser, column: string, index: number): { sql: string; params: unknown[] } {
  if (user.role === 'admin') return { sql: 'TRUE', params: [] };
  if (user.role === 'worker' && user.teamRef !== null) return { sql: `${column} = $${index}`, params: [user.teamRef] };
  return { sql: 'FALSE', params: [] };
}
