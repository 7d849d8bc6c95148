import type { Logger } from 'pino';

/**
 * botbuilder reports problems with `console.error(err)` / `console.warn(…)`: raw stack traces whose messages
 * carry what a caller sent (a forged token's `aud` claim, keys it asked for). While the Teams channel runs, those
 * calls become one line of the redacting logger with the error's name and status only — never its message.
 * The bot itself never writes to the console (pino), so nothing of ours is swallowed. Returns the undo.
 */
export function routeConsole(log: Logger): () => void {
  const original = { error: console.error, warn: console.warn };
  const route = (level: 'error' | 'warn') => (...args: unknown[]) => {
    const err = args.find((a): a is Error => a instanceof Error);
    const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
    log[level === 'error' ? 'warn' : 'info']({ source: 'botbuilder', err: err?.name ?? typeof args[0], ...(typeof status === 'number' ? { status } : {}) }, 'teams: the Bot Framework SDK reported a problem (details withheld)');
  };
  console.error = route('error');
  console.warn = route('warn');
  return () => Object.assign(console, original);
}
