const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Delays between attempts after the immediate first one: the Standard Webhooks schedule (5 s, 5 min, 30 min,
 * 2 h, 5 h, then every 10 h), extended with 10-hour steps until it spans about three days (≈ 77.6 h, 13 attempts),
 * so a backend that is down over a long weekend still gets everything.
 */
export const STANDARD_RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  ...Array<number>(7).fill(10 * HOUR),
];

/** A receiver's `Retry-After` is honoured up to the schedule's longest step, never longer. */
export const RETRY_AFTER_CAP_MS = 10 * HOUR;

/** Spreads retries by ±10 % so a recovering backend is not hit by every queued response in the same instant. */
const JITTER = 0.1;

/** Parses `DELIVERY_RETRY_DELAYS_MS` ("50,100,200"): non-empty, whole milliseconds ≥ 0. */
export function parseRetryDelays(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (!parts.every((part) => /^\d+$/.test(part))) {
    throw new Error('DELIVERY_RETRY_DELAYS_MS must be comma-separated whole milliseconds, e.g. "50,100,200"');
  }
  return parts.map(Number);
}

/**
 * How long to wait after the `attemptsMade`-th failed attempt (1-based): the scheduled step with jitter, or the
 * receiver's `Retry-After` when that asks for longer.
 */
export function retryDelay(delays: readonly number[], attemptsMade: number, retryAfterMs?: number, random = Math.random): number {
  const step = delays[Math.min(attemptsMade, delays.length) - 1] ?? 0;
  const jittered = Math.round(step * (1 - JITTER + 2 * JITTER * random()));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, RETRY_AFTER_CAP_MS));
}
