import type { Signer } from './sign.js';

/** The Standard Webhooks recommendation: a receiver that has not answered in 15 s is treated as down. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** What one attempt taught us. Only a 2xx counts as delivered; 410 means the endpoint is gone for good. */
export type PostOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: 410 }
  | { kind: 'retry'; status?: number; error?: string; retryAfterMs?: number };

export interface PostRequest {
  url: string;
  id: string;
  body: string;
  sign: Signer;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * One signed POST. `webhook-id` is the document id on every attempt; the timestamp and signature are fresh
 * per attempt so receivers can enforce their replay tolerance. Redirects are not followed (a 3xx is a failure),
 * so a compromised or misconfigured backend cannot bounce the payload elsewhere.
 */
export async function postSigned(req: PostRequest): Promise<PostOutcome> {
  const timestamp = (req.now ?? (() => new Date()))();
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'feedbackbot-delivery',
        'webhook-id': req.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': req.sign(req.id, timestamp, req.body),
      },
      body: req.body,
    });
  } catch (err) {
    return { kind: 'retry', error: describe(err) };
  }
  await res.body?.cancel().catch(() => undefined);
  return classify(res.status, res.headers.get('retry-after'), Date.now());
}

export function classify(status: number, retryAfter: string | null, nowMs: number): PostOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status };
  const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  return retryAfterMs === undefined ? { kind: 'retry', status } : { kind: 'retry', status, retryAfterMs };
}

/** `Retry-After` is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A short reason for logs: the error code (ECONNREFUSED, TimeoutError), never a payload. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const cause = err.cause as { code?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err.name;
}
