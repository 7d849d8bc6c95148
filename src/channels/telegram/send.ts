import { GrammyError, type Transformer } from 'grammy';

/**
 * Sending to Telegram politely: flood waits (429 `retry_after`) are honoured by waiting and trying again a few
 * times; each chat has its own lane, so messages to one chat leave in order and at most ~1 per second
 * (short bursts allowed), while other chats are never held up by it. Lanes live in this process: several
 * replicas each pace their own share of the chats.
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Longest flood wait honoured per attempt; Telegram asks for seconds, rarely minutes. */
const MAX_WAIT_S = 60;

/**
 * An API transformer (`bot.api.config.use`): on 429 it waits `retry_after` seconds and repeats the call,
 * at most `retries` times; then the 429 reaches the caller like any other error.
 */
export function retryAfter(retries = 3, wait: (ms: number) => Promise<void> = sleep): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || res.error_code !== 429 || attempt >= retries) return res;
      await wait(Math.min(res.parameters?.retry_after ?? 1, MAX_WAIT_S) * 1000);
    }
  };
}

/** The user blocked the bot or deleted their account: stop writing to that chat. */
export const isBlocked = (err: unknown) => err instanceof GrammyError && err.error_code === 403;
/** Editing a message into what it already is: nothing to do. */
export const isNotModified = (err: unknown) => err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);

export interface Pace {
  /** Minimum average gap between two messages to one chat. */
  intervalMs: number;
  /** Messages that may leave back to back before the gap applies (a turn's notice + question). */
  burst: number;
}

export const DEFAULT_PACE: Pace = { intervalMs: 1000, burst: 3 };

interface Lane {
  tail: Promise<unknown>;
  /** Theoretical arrival time of the next message (generic cell rate algorithm). */
  tat: number;
  jobs: number;
}

export class ChatLanes {
  readonly #lanes = new Map<string, Lane>();

  constructor(private readonly pace: Pace = DEFAULT_PACE) {}

  /** Runs `job` after every earlier job of this chat; a failed job does not block the next one. */
  run<T>(chat: string | number, job: () => Promise<T>): Promise<T> {
    const id = String(chat);
    const lane = this.#lanes.get(id) ?? { tail: Promise.resolve(), tat: 0, jobs: 0 };
    this.#lanes.set(id, lane);
    lane.jobs++;
    const result = lane.tail.then(job);
    lane.tail = result.catch(() => undefined).finally(() => {
      if (--lane.jobs === 0) this.#forget(id, lane);
    });
    return result;
  }

  /** An idle lane is dropped once its pacing no longer matters, so the map holds only active chats. */
  #forget(id: string, lane: Lane): void {
    const left = lane.tat - Date.now();
    if (left <= 0) {
      if (lane.jobs === 0 && this.#lanes.get(id) === lane) this.#lanes.delete(id);
      return;
    }
    setTimeout(() => this.#forget(id, lane), left).unref();
  }

  /** Waits until this chat may receive another message; call inside `run` before each send. */
  async slot(chat: string | number): Promise<void> {
    const lane = this.#lanes.get(String(chat));
    if (!lane || this.pace.intervalMs <= 0) return;
    const now = Date.now();
    const tat = Math.max(lane.tat, now);
    const wait = tat - now - (this.pace.burst - 1) * this.pace.intervalMs;
    lane.tat = tat + this.pace.intervalMs;
    if (wait > 0) await sleep(wait);
  }

  get size(): number {
    return this.#lanes.size;
  }
}
