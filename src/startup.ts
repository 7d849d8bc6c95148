/**
 * Start-up waits on external dependencies (Redis, the Telegram Bot API, the Bot Framework token endpoint) are
 * bounded: a dependency that refuses, or accepts and never answers, stops the start within seconds with one
 * plain line an operator can act on — the variable to fix, where it points (never a secret), and why.
 */

/** Each dependency's wait at start-up; together with loading, a refused start ends well within 15 s. */
export const STARTUP_WAIT_MS = 8_000;

/** A dependency that failed at start-up; `message` is the one line main.ts prints. */
export class StartupError extends Error {
  constructor(readonly variable: string, readonly address: string, readonly reason: string) {
    super(`${variable} ${address}: ${reason}`);
    this.name = 'StartupError';
  }
}

/** A URL as it may be printed: no user name, password or query (tokens live there). */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
};

/** The system error code anywhere in a chain of wrapped errors (grammY's `error`, fetch's `cause`, AggregateError). */
function codeOf(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as { code?: unknown; cause?: unknown; error?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && /^E[A-Z_]+$|^CERT_/.test(e.code)) return e.code;
  return codeOf(e.cause, depth + 1) ?? codeOf(e.error, depth + 1) ?? e.errors?.map((x) => codeOf(x, depth + 1)).find(Boolean);
}

/** "connection refused (ECONNREFUSED)" for a system error, else the error's own message. */
export function causeOf(err: unknown): string {
  const code = codeOf(err);
  if (code) return `${CAUSES[code] ?? 'network error'} (${code})`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `work` with at most `ms` to finish (its signal aborts then); a failure or the timeout becomes a
 * StartupError naming `variable` and `address`. `describe` may name another variable for some failures (a
 * refused token rather than an unreachable host).
 */
export async function within<T>(
  dependency: { variable: string; address: string; describe?: (err: unknown) => { variable: string; reason: string } | undefined },
  work: (signal: AbortSignal) => Promise<T>,
  ms = STARTUP_WAIT_MS,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new StartupError(dependency.variable, dependency.address, `no answer within ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } catch (err) {
    if (err instanceof StartupError) throw err;
    const named = dependency.describe?.(err);
    throw new StartupError(named?.variable ?? dependency.variable, dependency.address, named?.reason ?? causeOf(err));
  } finally {
    clearTimeout(timer);
  }
}
