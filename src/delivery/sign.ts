import { Webhook } from 'standardwebhooks';

/** Produces the `webhook-signature` header value for one message. */
export type Signer = (id: string, timestamp: Date, body: string) => string;

/**
 * Signs with every configured `whsec_` secret and joins the signatures with spaces (as the Standard Webhooks
 * spec allows), so a receiver can rotate keys: during the overlap it accepts whichever secret it knows.
 */
export function createSigner(secrets: readonly string[]): Signer {
  if (secrets.length === 0) throw new Error('delivery: at least one webhook secret (whsec_…) is required');
  const hooks = secrets.map((secret) => {
    if (!secret.startsWith('whsec_')) throw new Error('delivery: webhook secrets must start with "whsec_"');
    return new Webhook(secret);
  });
  return (id, timestamp, body) => hooks.map((hook) => hook.sign(id, timestamp, body)).join(' ');
}
