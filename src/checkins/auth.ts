import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens for the check-in API (`CHECKIN_API_TOKENS`, several for rotation). The presented token is
 * compared with every configured one, each as a SHA-256 digest with `timingSafeEqual`: equal lengths, no early
 * exit, so neither the length nor a matching prefix shows in the response time.
 *
 * The client id is a hash of the matched token: it scopes idempotency keys and rate limits, and can be logged.
 */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Two secrets compared in constant time whatever their lengths (as digests): for shared secrets in headers. */
export const sameSecret = (given: unknown, secret: string): boolean => typeof given === 'string' && timingSafeEqual(digest(given), digest(secret));

export type Authenticate = (authorization: string | undefined) => string | null;

export function createAuthenticator(tokens: readonly string[]): Authenticate {
  const known = tokens.map((t) => ({ digest: digest(t), client: `api:${digest(`client\n${t}`).toString('base64url').slice(0, 16)}` }));
  return (authorization) => {
    const presented = digest(/^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1] ?? '');
    let client: string | null = null;
    for (const k of known) if (timingSafeEqual(presented, k.digest)) client = k.client;
    return client;
  };
}
