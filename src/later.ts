/**
 * Jobs run later in this process: the embedded default (no Redis) for reminders and for follow-up check-ins.
 * A job runs at its time (epoch ms), is tried again with exponential backoff when it throws, and is reported
 * to `onGiveUp` after its last attempt. Timeouts are unref'd (they never keep the process alive) and, like
 * everything without Redis, lost on restart.
 */
export interface Later {
  /** Runs `job` at `at`, under `key` (several jobs may share one). */
  at(key: string, at: number, job: () => Promise<void>): void;
  /** Drops every pending job (and pending retry) of `key`; returns how many there were. */
  cancel(key: string): number;
  close(): void;
}

/** `setTimeout` fires at once beyond ~24.8 days, so longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function createLater(opts: { attempts: number; backoffMs: number; onGiveUp: (key: string, err: Error) => void }): Later {
  const pending = new Map<string, Set<NodeJS.Timeout>>();

  function arm(key: string, at: number, fire: () => void): void {
    const set = pending.get(key) ?? new Set();
    pending.set(key, set);
    const timeout = setTimeout(() => {
      set.delete(timeout);
      if (set.size === 0) pending.delete(key);
      if (Date.now() < at) arm(key, at, fire);
      else fire();
    }, Math.min(Math.max(0, at - Date.now()), MAX_TIMEOUT_MS)).unref();
    set.add(timeout);
  }

  function run(key: string, job: () => Promise<void>, attempt: number): void {
    job().catch((err: unknown) => {
      if (attempt < opts.attempts) arm(key, Date.now() + opts.backoffMs * 2 ** (attempt - 1), () => run(key, job, attempt + 1));
      else opts.onGiveUp(key, err instanceof Error ? err : new Error(String(err)));
    });
  }

  function cancel(key: string): number {
    const set = pending.get(key);
    pending.delete(key);
    for (const timeout of set ?? []) clearTimeout(timeout);
    return set?.size ?? 0;
  }

  return {
    at: (key, at, job) => arm(key, at, () => run(key, job, 1)),
    cancel,
    close() {
      for (const key of [...pending.keys()]) cancel(key);
    },
  };
}
