import { createHmac, randomBytes } from 'node:crypto';

/**
 * Platform ids (Telegram chat ids, Teams user ids) never leave the channel adapter in clear: everything
 * downstream — Redis keys, logs, responses — sees a keyed hash. Without the key nobody can go back from a
 * pseudonym to a person; with a new key the same person gets a new pseudonym.
 */
export type Pseudonymise = (channel: string, platformId: string | number) => string;

export function createPseudonymiser(key: string | undefined): { pseudonymise: Pseudonymise; generated: boolean } {
  const secret = key ?? randomBytes(32).toString('base64');
  return {
    generated: key === undefined,
    pseudonymise: (channel, id) => createHmac('sha256', secret).update(`${channel}:${id}`).digest('base64url').slice(0, 22),
  };
}
