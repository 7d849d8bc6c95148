/**
 * Sending politely, on every platform: each chat has its own lane, so messages to one chat leave in order and
 * at most one per `intervalMs` on average (short bursts allowed), while other chats are never held up by it.
 * Lanes live in this process: several replicas each pace their own share of the chats.
 */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Pace {
  /** Minimum average gap between two messages to one chat. */
  intervalMs: number;
  /** Messages that may leave back to back before the gap applies (a turn's notice + question). */
  burst: number;
}

interface Lane {
  tail: Promise<unknown>;
  /** Theoretical arrival time of the next message (generic cell rate algorithm). */
  tat: number;
  jobs: number;
}

export class ChatLanes {
  readonly #lanes = new Map<string, Lane>();

  constructor(private readonly pace: Pace) {}

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
