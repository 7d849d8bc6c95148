import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks verification with every configured secret (rotation: the bot signs with old and new during
 * the overlap, the backend accepts either). `standardwebhooks` checks the HMAC over `id.timestamp.body` in
 * constant time and refuses a timestamp more than five minutes away from now (replays of old captures).
 * Returns the parsed body when one secret verifies it (a signed body that is not JSON does not verify).
 */
export function createVerifier(secrets: readonly string[]): (body: string, headers: Record<string, string | string[] | undefined>) => unknown {
  const hooks = secrets.map((s) => new Webhook(s));
  return (body, headers) => {
    const h = {
      'webhook-id': String(headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(headers['webhook-signature'] ?? ''),
    };
    for (const hook of hooks) {
      try {
        return hook.verify(body, h);
      } catch {
        // not this secret: try the next
      }
    }
    return undefined;
  };
}
