import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createCsrf } from '../http/security.js';
import { SESSION_COOKIE } from './auth/sessions.js';
import { readCookie } from '../http/security.js';

/** The pre-session cookie that binds the sign-in form, so the login POST is CSRF-protected too. */
export const LOGIN_COOKIE = '__Host-fbb-login';

/**
 * CSRF for every backend form, as in the web chat: the signed double-submit pattern. A form carries a keyed
 * hash of the session cookie it was rendered for; the key is random per process (a restart only makes open
 * forms stale). Views call `token(req)` when rendering and `check(req, form.csrf)` before changing anything.
 */
export interface BackendCsrf {
  token(req: FastifyRequest): string;
  check(req: FastifyRequest, given: unknown): boolean;
  /** The sign-in form's token for its pre-session id. */
  loginToken(id: string): string;
  checkLogin(req: FastifyRequest, given: unknown): boolean;
}

export function createBackendCsrf(): BackendCsrf {
  const key = randomBytes(32);
  const csrf = createCsrf<'session' | 'login'>((scope, id) => createHmac('sha256', key).update(`${scope}:${id}`).digest('base64url'));
  return {
    token: (req) => {
      const session = readCookie(req, SESSION_COOKIE);
      return session ? csrf.token('session', session) : '';
    },
    check: (req, given) => csrf.check('session', readCookie(req, SESSION_COOKIE), given),
    loginToken: (id) => csrf.token('login', id),
    checkLogin: (req, given) => csrf.check('login', readCookie(req, LOGIN_COOKIE), given),
  };
}
