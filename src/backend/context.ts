import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Audit } from './audit.js';
import type { BackendUser, UserRole } from './auth/users.js';
import type { BackendCsrf } from './csrf.js';
import type { Db } from './db/port.js';
import type { Bank } from '../survey/load.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user; set by `requireUser` (undefined on routes without it). */
    user?: BackendUser;
  }
}

/**
 * What the views (src/backend/views/) get from the server: the database, the guard, CSRF, the audit log and the
 * page settings. The views own their routes; access rules live in `access.ts`.
 */
export interface ViewContext {
  db: Db;
  /** The flows and locales the bot runs: item wording, scales, domains for labels and charts. */
  bank: Bank;
  /**
   * Pre-handler: no session → a GET is redirected to /login, anything else gets 401; a role not in `roles`
   * (when given) → 403. Sets `req.user`.
   */
  requireUser(roles?: readonly UserRole[]): preHandlerAsyncHookHandler;
  csrf: BackendCsrf;
  /**
   * Whether a form POST may change anything: it comes from this origin and carries the CSRF token of the
   * session (field `csrf`). Check before every state change; answer 403 otherwise.
   */
  formOk(req: FastifyRequest): boolean;
  audit: Audit;
  /** Security headers of every backend page (CSP, no framing, no cache, no referrer leaving the origin). */
  pageHeaders(reply: FastifyReply): FastifyReply;
  /** A safety signal not acknowledged within this many minutes is overdue. */
  signalOverdueMinutes: number;
  now(): Date;
}

/** The user `requireUser` put on the request (throws when a route forgot the guard). */
export function userOf(req: FastifyRequest): BackendUser {
  if (!req.user) throw new Error('route without requireUser');
  return req.user;
}
