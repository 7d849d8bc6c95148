/**
 * Login rate limit: at most `max` failed attempts per window for one address and for one email, so guessing
 * a password is slow from one machine and for one account from many. Kept in memory (the backend is one
 * process); a success clears the email's count. Returns the seconds to wait, or 0.
 */
export function createLoginLimit(opts: { max: number; windowMs: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (key: string): number[] => {
    const since = now() - opts.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  return {
    retryAfter(keys: string[]): number {
      let wait = 0;
      for (const key of keys) {
        const list = recent(key);
        if (list.length >= opts.max) wait = Math.max(wait, Math.ceil((list[0]! + opts.windowMs - now()) / 1000));
      }
      return wait;
    },
    fail(keys: string[]): void {
      for (const key of keys) failures.set(key, [...recent(key), now()]);
    },
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
export type LoginLimit = ReturnType<typeof createLoginLimit>;
