import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The guards of every HTML page the bot's processes serve (the web chat and the monitoring backend), kept apart
 * from the pages: the binding cookie, CSRF tokens, the same-origin check and
 * the response headers every page carries.
 *
 * Binding: a random 128-bit id in an `HttpOnly; Secure; SameSite=Strict` cookie names the browser; the
 * conversation key is its pseudonym, so the id itself never reaches storage or logs.
 *
 * CSRF: every form carries a keyed hash of the cookie it was rendered for (`core.pseudonymise`, HMAC-SHA256 under
 * `PSEUDONYM_KEY` or a per-run key) — the signed double-submit pattern. The random id is the per-binding secret;
 * the server key makes the token unforgeable without the cookie, and nothing is stored for a page view, so a link
 * scanner that fetches the invite leaves nothing behind. Every POST must also come from this origin.
 */

const ID_SHAPE = /^[A-Za-z0-9_-]{22}$/;
/** 128 random bits: browser binding ids, and the id each form carries so a double submit is applied once. */
export const randomId = (): string => randomBytes(16).toString('base64url');

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return ID_SHAPE.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function cookieHeader(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Strict`;
}

/** `P` names the forms a token is good for (the web chat's 'open' and 'turn'; the backend's own). */
export interface Csrf<P extends string = 'open' | 'turn'> {
  token(purpose: P, browserId: string): string;
  check(purpose: P, browserId: string | undefined, given: unknown): boolean;
}

/** `sign` is a keyed hash such as `core.pseudonymise`. */
export function createCsrf<P extends string = 'open' | 'turn'>(sign: (scope: string, id: string) => string): Csrf<P> {
  const token: Csrf<P>['token'] = (purpose, id) => sign(`web-csrf-${purpose}`, id);
  return {
    token,
    check(purpose, id, given) {
      if (!id || typeof given !== 'string') return false;
      const want = Buffer.from(token(purpose, id));
      const got = Buffer.from(given);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

/**
 * A state-changing request must come from a page of this origin. `Origin` is sent with every POST by current
 * browsers; `Sec-Fetch-Site` by the ones of the last years; an old browser sending neither still needs the
 * CSRF token and the SameSite cookie. The origin is the request's own (scheme from `X-Forwarded-Proto` behind a
 * proxy) or `publicOrigin` (PUBLIC_URL's), so a proxy that does not forward the scheme locks nobody out.
 */
export function sameOrigin(req: FastifyRequest, publicOrigin?: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${req.protocol}://${req.host}` || origin === publicOrigin;
}

/** No third-party anything: styles and the one script come from this server; nothing may frame the page. */
export const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A questionnaire needs no device feature: camera, microphone, location, payment and the rest are off for the page and anything in it. */
export const PERMISSIONS = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), midi=(), display-capture=()';

/** Headers of every web chat page. The invite token is in the URL: no referrer leaves this origin (`same-origin`, not `no-referrer`: that would make
 * browsers send `Origin: null` on our own forms) and nothing is cached. */
export function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('permissions-policy', PERMISSIONS)
    .header('x-robots-tag', 'noindex, nofollow')
    .header('cache-control', 'no-store');
}
