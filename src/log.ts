import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Logs carry pseudonyms and ids, never message text, names, tokens or platform ids. Redaction is the safety net
 * for mistakes: a field with one of these names is censored at any depth, so logging a whole Telegram update or
 * Bot Framework activity by accident (`{ update }`, `{ activity }`) still leaks nothing. pino's own `redact`
 * paths cannot say "at any depth", hence the walk in `formatters.log`.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  // what people typed or are called; `data` is button payload (Telegram callback data, Teams card values) and job data
  'text', 'caption', 'data', 'comment', 'value', 'name', 'firstName', 'first_name', 'last_name', 'username', 'worker', 'phone', 'contact', 'caseRef',
  // platform ids and the objects that carry them (Telegram chat/from, Bot Framework conversation/recipient)
  'chatId', 'chat_id', 'userId', 'user_id', 'from', 'chat', 'sender_chat', 'chat_instance', 'conversation', 'recipient', 'aadObjectId', 'serviceUrl',
  // WhatsApp notifications: the sender's number and profile, a status's recipient
  'wa_id', 'recipient_id', 'profile', 'contacts',
  // credentials
  'token', 'secret', 'password', 'authorization', 'cookie', 'idempotencyKey',
]);

export const CENSOR = '[redacted]';
/** Deeper than any payload we handle; beyond it the rest is censored rather than walked. */
const MAX_DEPTH = 12;

/** A copy of `value` with every redacted key censored, at any depth; arrays and plain objects are walked. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return CENSOR;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return value; // pino's serializer turns it into type, message and stack
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACTED_KEYS.has(k) ? CENSOR : redact(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines (pino-pretty); default: in a terminal outside production. JSON lines otherwise. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout); tests pass a stream to read every line. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? (!opts.destination && process.stdout.isTTY && process.env.NODE_ENV !== 'production');
  const options = {
    level: opts.level ?? 'info',
    formatters: { log: (obj: Record<string, unknown>) => redact(obj) as Record<string, unknown> },
    // A child's bindings skip the formatters; serializers still see their top-level keys (`log.child({ chat })`).
    serializers: Object.fromEntries([...REDACTED_KEYS].map((k) => [k, () => CENSOR])),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, destination: 2 } } } : {}),
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * An error for a log line, without what a remote party said: Bot API descriptions and HTTP bodies may echo
 * names or text, so a grammY error is logged as its method and code, a wrapped one by its cause. Our own
 * errors keep their message.
 */
export function errorSummary(err: unknown): string {
  const e = err as { name?: string; message?: string; error?: unknown; method?: string; error_code?: number } | null;
  if (!e || typeof e !== 'object') return String(err);
  if (e.name === 'BotError' && e.error) return errorSummary(e.error);
  if (e.name === 'GrammyError') return `GrammyError: ${e.method} failed (${e.error_code})`;
  if (e.name === 'HttpError') return `HttpError: network request failed (${(e.error as Error | undefined)?.name ?? 'unknown'})`;
  return `${e.name ?? 'Error'}: ${e.message ?? ''}`;
}
