/**
 * Every call the Teams channel makes to the Bot Connector goes through here, per conversation:
 * - in order, one at a time (a question card is never overtaken by the next one);
 * - at most `perSecond` calls started in any second (Teams allows 7 operations per second per conversation,
 *   and answers 429 above that);
 * - a 429, 412, 502 or 504 is tried again after an exponential back-off with full jitter (or the
 *   `Retry-After` the Connector asked for, if longer). The ConnectorClient already retries 429 and 5xx a few
 *   times itself; this layer catches what still surfaces, and 412, which it never retries.
 * The window is per process: replicas each keep their own, which is fine for one person's conversation, whose
 * turns arrive one at a time. Nothing here knows the SDK: errors are read by their HTTP status.
 */

export interface PaceOptions {
  /** Calls started per conversation in any 1 s window (Teams: 7). */
  perSecond?: number;
  /** Attempts per call, the first included. */
  attempts?: number;
  /** Back-off before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs · 2ⁿ⁻¹)]. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface Pacer {
  run<T>(conversation: string, call: () => Promise<T>): Promise<T>;
}

const RETRYABLE = new Set([412, 429, 502, 504]);
const WINDOW_MS = 1000;
/** Never wait longer than this for a Retry-After: a turn has about 15 s before Teams gives up on it. */
const MAX_RETRY_AFTER_MS = 10_000;
const SWEEP_AT = 1000;

/** The HTTP status of a failed Connector call (botbuilder's RestError has `statusCode`). */
export function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; status?: unknown } | null;
  const s = e?.statusCode ?? e?.status;
  return typeof s === 'number' ? s : undefined;
}

/**
 * The person can no longer be written to: they blocked the bot, uninstalled it (the bot is no longer in the
 * conversation's roster), or an admin disabled it. Retrying will not help; the check-in is unreachable.
 */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return statusOf(err) === 403 || /BotNotInConversationRoster|ConversationBlockedByUser|BotDisabledByAdmin/i.test(code) || /not (part of|in) the (conversation )?roster|blocked/i.test(message);
}

function retryAfterMs(err: unknown): number {
  const headers = (err as { response?: { headers?: { get?(name: string): string | undefined } } } | null)?.response?.headers;
  const value = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : 0;
}

interface Lane {
  tail: Promise<unknown>;
  starts: number[];
  pending: number;
}

export function createPacer(opts: PaceOptions = {}): Pacer {
  const perSecond = opts.perSecond ?? 7;
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 8000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;
  const lanes = new Map<string, Lane>();

  /** Waits until starting one more call keeps the conversation within `perSecond` per second. */
  async function slot(lane: Lane): Promise<void> {
    for (;;) {
      const t = now();
      while (lane.starts.length && lane.starts[0]! <= t - WINDOW_MS) lane.starts.shift();
      if (lane.starts.length < perSecond) {
        lane.starts.push(t);
        return;
      }
      await sleep(lane.starts[0]! + WINDOW_MS - t);
    }
  }

  async function attempt<T>(lane: Lane, call: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      await slot(lane);
      try {
        return await call();
      } catch (err) {
        const status = statusOf(err);
        if (n >= attempts || status === undefined || !RETRYABLE.has(status)) throw err;
        const backoff = random() * Math.min(max, base * 2 ** (n - 1));
        await sleep(Math.max(backoff, retryAfterMs(err)));
      }
    }
  }

  /** Forgets conversations that are idle and whose window has passed, so the map stays as small as the traffic. */
  function sweep(): void {
    const t = now();
    for (const [id, lane] of lanes) if (lane.pending === 0 && (lane.starts.at(-1) ?? 0) <= t - WINDOW_MS) lanes.delete(id);
  }

  return {
    run<T>(conversation: string, call: () => Promise<T>): Promise<T> {
      if (lanes.size >= SWEEP_AT) sweep();
      let lane = lanes.get(conversation);
      if (!lane) lanes.set(conversation, (lane = { tail: Promise.resolve(), starts: [], pending: 0 }));
      const l = lane;
      l.pending++;
      const result = l.tail.then(() => attempt(l, call));
      l.tail = result.then(
        () => void l.pending--,
        () => void l.pending--,
      );
      return result;
    },
  };
}
