import { pino, type Logger } from 'pino';

/**
 * Logs carry pseudonyms and ids, never message text, names, tokens or platform ids. Redaction is the
 * safety net for mistakes: any field with such a name is censored wherever it appears.
 */
export const REDACT = [
  'text', 'name', 'firstName', 'first_name', 'last_name', 'username', 'worker', 'token', 'secret', 'password',
  'authorization', 'chatId', 'chat_id', 'userId', 'from', 'chat', 'phone', 'comment', 'value', 'caseRef',
].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  return pino({
    level: opts.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } } : {}),
  });
}
