import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { UserFromGetMe } from 'grammy/types';

/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api), so grammY's real client code
 * runs in tests without the internet. Point grammY at it with `client: { apiRoot }` and pass `botInfo` so it
 * never needs `getMe`. It keeps just enough state (sent messages per chat, webhook) to answer like Telegram does,
 * including the errors the channel adapter must survive: "message is not modified", 429 with `retry_after`,
 * 403 for a user who blocked the bot.
 *
 * Methods not listed in `BotState.handle` (sendPhoto, getUpdates, …) answer 404 "Not Found", as unknown ones do.
 * Divergence from Telegram, on purpose: `setWebhook` accepts plain http for loopback hosts (tests run there).
 */

export type Params = Record<string, unknown>;

export interface RecordedCall {
  method: string;
  params: Params;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** HTTP status the fake answered with (for a webhook reply: what it would have answered). */
  status: number;
  /** How the call came: its own HTTP request, or inside a webhook's response. */
  via: 'http' | 'webhook-reply';
}

export interface Fault {
  status: number;
  description?: string;
  /** Seconds; sent as `parameters.retry_after` (Telegram's flood-wait hint). */
  retryAfter?: number;
  /** Only calls to this chat fail; others pass. */
  chatId?: number | string;
  /** How many matching calls fail (default 1). */
  times?: number;
}

/** What the bot has sent to a chat, as it looks now (after edits). */
export interface StoredMessage {
  message_id: number;
  chat_id: number | string;
  text: string;
  reply_markup?: unknown;
  date: number;
  edit_date?: number;
}

export interface FakeBotApi {
  apiRoot: string;
  token: string;
  botInfo: UserFromGetMe;
  calls: RecordedCall[];
  callsOf(method: string): RecordedCall[];
  messages(chatId: number | string): StoredMessage[];
  /** The newest message in the chat that `where` accepts (a copy), without copying the whole chat. */
  newest(chatId: number | string, where: (m: StoredMessage) => boolean): StoredMessage | undefined;
  failNext(method: string, fault: Fault): void;
  blockChat(chatId: number | string): void;
  unblockChat(chatId: number | string): void;
  /**
   * What Telegram does with a webhook's response: a JSON body naming a `method` is run as a call of that
   * method (its outcome goes nowhere). Other bodies (empty, `ok`) are ignored.
   */
  webhookReply(body: string): void;
  /** Resolves with the calls of `method` (failed ones included) once there are at least `n`. */
  waitForCalls(method: string, n: number, timeoutMs?: number): Promise<RecordedCall[]>;
  /**
   * Resolves true once `check()` holds (looked at now and after every call, or every call to `chat` when given:
   * many respondents waiting at once stay cheap), false after `timeoutMs`.
   */
  until(check: () => boolean, timeoutMs: number, chat?: number | string): Promise<boolean>;
  /** Forgets calls, messages, faults, blocks and the webhook. */
  clear(): void;
  close(): Promise<void>;
}

interface ApiError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

type Outcome = { ok: true; result: unknown } | ({ ok: false } & ApiError);

const MAX_TEXT = 4096;
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

const badRequest = (what: string): Outcome => ({ ok: false, error_code: 400, description: `Bad Request: ${what}` });
const success = (result: unknown): Outcome => ({ ok: true, result });

export async function startFakeBotApi(opts: { token?: string; botUsername?: string } = {}): Promise<FakeBotApi> {
  const token = opts.token ?? '123456789:TEST-token_for-fake-bot-api';
  const botId = Number(token.split(':')[0]) || 123456789;
  const botInfo: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: 'Feedback Bot',
    username: opts.botUsername ?? 'feedback_test_bot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
  const state = new BotState(botInfo);
  const calls: RecordedCall[] = [];
  const faults: Array<{ method: string; fault: Fault; left: number }> = [];
  const blocked = new Set<string>();
  const waiters = new Set<() => void>();
  const chatWaiters = new Map<string, Set<() => void>>();

  function takeFault(method: string, params: Params): ApiError | undefined {
    const i = faults.findIndex(
      (f) => f.method === method && (f.fault.chatId === undefined || String(f.fault.chatId) === String(params.chat_id)),
    );
    const entry = faults[i];
    if (!entry) return undefined;
    if (--entry.left <= 0) faults.splice(i, 1);
    const { status, description, retryAfter } = entry.fault;
    const error: ApiError = {
      error_code: status,
      description: description ?? (status === 429 ? `Too Many Requests: retry after ${retryAfter ?? 1}` : (DEFAULT_DESCRIPTIONS[status] ?? 'Error')),
    };
    if (retryAfter !== undefined) error.parameters = { retry_after: retryAfter };
    return error;
  }

  function answer(method: string, params: Params): Outcome {
    const fault = takeFault(method, params);
    if (fault) return { ok: false, ...fault };
    if (params.chat_id !== undefined && blocked.has(String(params.chat_id))) {
      return { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' };
    }
    return state.handle(method, params);
  }

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => send(res, 500, { ok: false, error_code: 500, description: String(err) }));
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const params = await readParams(req, url);
    const method = match?.[2] ?? url.pathname;
    const outcome: Outcome = !match
      ? { ok: false, error_code: 404, description: 'Not Found' }
      : match[1] !== token
        ? { ok: false, error_code: 401, description: 'Unauthorized' }
        : params === undefined
          ? badRequest("can't parse request body")
          : answer(method, params);
    send(res, record({ method, params: params ?? {}, at, via: 'http' }, outcome), outcome);
  }

  /** Keeps the call and wakes waiters; returns the HTTP status it answers with. */
  function record(call: Omit<RecordedCall, 'status'>, outcome: Outcome): number {
    const status = outcome.ok ? 200 : outcome.error_code;
    calls.push({ ...call, status });
    for (const wake of [...waiters]) wake();
    const chat = call.params.chat_id;
    for (const wake of chat === undefined ? [] : [...(chatWaiters.get(String(chat)) ?? [])]) wake();
    return status;
  }

  function webhookReply(body: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Params).method !== 'string') return;
    const { method, ...params } = parsed as Params & { method: string };
    record({ method, params, at: Date.now(), via: 'webhook-reply' }, answer(method, params));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const callsOf = (method: string) => calls.filter((c) => c.method === method);
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botInfo,
    calls,
    callsOf,
    messages: (chatId) => state.messages(chatId),
    newest: (chatId, where) => state.newest(chatId, where),
    failNext: (method, fault) => faults.push({ method, fault, left: fault.times ?? 1 }),
    webhookReply,
    blockChat: (chatId) => blocked.add(String(chatId)),
    unblockChat: (chatId) => blocked.delete(String(chatId)),
    waitForCalls: (method, n, timeoutMs = 15_000) =>
      waitUntil(waiters, () => callsOf(method), n, timeoutMs, `${method} calls`),
    until: (check, timeoutMs, chat) => {
      const set = chat === undefined ? waiters : (chatWaiters.get(String(chat)) ?? chatWaiters.set(String(chat), new Set()).get(String(chat))!);
      return waitUntil(set, () => (check() ? [true] : []), 1, timeoutMs, 'a condition').then(() => true, () => false);
    },
    clear() {
      calls.length = 0;
      faults.length = 0;
      blocked.clear();
      state.reset();
    },
    close: () => closeServer(server),
  };
}

/** The part of Telegram that remembers things: messages per chat and the webhook. */
class BotState {
  private chats = new Map<string, { nextId: number; messages: Map<number, StoredMessage> }>();
  private webhook: { url: string; allowedUpdates?: unknown } | undefined;

  constructor(private readonly bot: UserFromGetMe) {}

  reset(): void {
    this.chats.clear();
    this.webhook = undefined;
  }

  messages(chatId: number | string): StoredMessage[] {
    return [...(this.chats.get(String(chatId))?.messages.values() ?? [])].map((m) => structuredClone(m));
  }

  newest(chatId: number | string, where: (m: StoredMessage) => boolean): StoredMessage | undefined {
    const messages = [...(this.chats.get(String(chatId))?.messages.values() ?? [])];
    for (let i = messages.length - 1; i >= 0; i--) if (where(messages[i]!)) return structuredClone(messages[i]!);
    return undefined;
  }

  handle(method: string, p: Params): Outcome {
    switch (method.toLowerCase()) {
      case 'getme':
        return success(this.bot);
      case 'sendmessage':
        return this.sendMessage(p);
      case 'editmessagetext':
        return this.edit(p, typeof p.text === 'string' ? p.text : undefined);
      case 'editmessagereplymarkup':
        return this.edit(p, undefined);
      case 'deletemessage':
        return this.deleteMessage(p);
      case 'answercallbackquery':
        return p.callback_query_id ? success(true) : badRequest('QUERY_ID_INVALID');
      case 'setwebhook':
        return this.setWebhook(p);
      case 'deletewebhook':
        this.webhook = undefined;
        return success(true);
      case 'getwebhookinfo':
        return success(this.webhookInfo());
      case 'setmycommands':
        return Array.isArray(p.commands) ? success(true) : badRequest("can't parse commands JSON object");
      case 'leavechat':
      case 'sendchataction':
        return p.chat_id !== undefined ? success(true) : badRequest('chat_id is empty');
      default:
        return { ok: false, error_code: 404, description: 'Not Found' };
    }
  }

  private chat(chatId: unknown) {
    const key = String(chatId);
    let chat = this.chats.get(key);
    if (!chat) {
      chat = { nextId: 1, messages: new Map() };
      this.chats.set(key, chat);
    }
    return chat;
  }

  private sendMessage(p: Params): Outcome {
    if (p.chat_id === undefined || p.chat_id === '') return badRequest('chat_id is empty');
    const text = typeof p.text === 'string' ? p.text : '';
    if (text.trim() === '') return badRequest('message text is empty');
    if (text.length > MAX_TEXT) return badRequest('message is too long');
    const chat = this.chat(p.chat_id);
    const stored: StoredMessage = {
      message_id: chat.nextId++,
      chat_id: p.chat_id as number | string,
      text,
      reply_markup: normaliseMarkup(p.reply_markup),
      date: nowSeconds(),
    };
    chat.messages.set(stored.message_id, stored);
    return success(this.toMessage(stored));
  }

  /** Telegram drops the inline keyboard when editMessageText comes without one; so do we. */
  private edit(p: Params, text: string | undefined): Outcome {
    if (p.inline_message_id !== undefined) return success(true);
    const stored = this.chats.get(String(p.chat_id))?.messages.get(Number(p.message_id));
    if (!stored) return badRequest('message to edit not found');
    const nextText = text ?? stored.text;
    if (text !== undefined && text.trim() === '') return badRequest('message text is empty');
    if (nextText.length > MAX_TEXT) return badRequest('MESSAGE_TOO_LONG');
    const nextMarkup = normaliseMarkup(p.reply_markup);
    if (nextText === stored.text && isDeepStrictEqual(nextMarkup, stored.reply_markup)) return badRequest(NOT_MODIFIED);
    stored.text = nextText;
    stored.reply_markup = nextMarkup;
    stored.edit_date = nowSeconds();
    return success(this.toMessage(stored));
  }

  private deleteMessage(p: Params): Outcome {
    const messages = this.chats.get(String(p.chat_id))?.messages;
    if (!messages?.delete(Number(p.message_id))) return badRequest('message to delete not found');
    return success(true);
  }

  private setWebhook(p: Params): Outcome {
    const url = typeof p.url === 'string' ? p.url : '';
    if (url === '') {
      this.webhook = undefined;
      return success(true);
    }
    if (!isAllowedWebhookUrl(url)) return badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    const secret = p.secret_token;
    if (secret !== undefined && !(typeof secret === 'string' && /^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
      return badRequest('secret token contains unallowed characters');
    }
    this.webhook = { url, allowedUpdates: p.allowed_updates };
    return success(true);
  }

  private webhookInfo() {
    const info: Record<string, unknown> = {
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: 0,
    };
    if (this.webhook?.allowedUpdates !== undefined) info.allowed_updates = this.webhook.allowedUpdates;
    return info;
  }

  private toMessage(m: StoredMessage) {
    const message: Record<string, unknown> = {
      message_id: m.message_id,
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat: chatObject(m.chat_id),
      date: m.date,
      text: m.text,
    };
    if (m.edit_date !== undefined) message.edit_date = m.edit_date;
    if (m.reply_markup !== undefined) message.reply_markup = m.reply_markup;
    return message;
  }
}

/** Positive ids are people; "-100…" are supergroups; other negative ids are basic groups — as in Telegram. */
function chatObject(chatId: number | string) {
  const id = Number(chatId);
  if (Number.isNaN(id)) return { id: chatId, type: 'channel', title: String(chatId) };
  if (id > 0) return { id, type: 'private', first_name: 'Test', last_name: 'User' };
  return { id, type: String(chatId).startsWith('-100') ? 'supergroup' : 'group', title: 'Test group' };
}

/** Telegram stores "no keyboard" for a missing one and for an inline keyboard without buttons (`[[]]`). */
function normaliseMarkup(markup: unknown): unknown {
  if (markup === undefined || markup === null) return undefined;
  const keyboard = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (Array.isArray(keyboard) && keyboard.flat().length === 0) return undefined;
  return structuredClone(markup);
}

function isAllowedWebhookUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Telegram takes parameters as a query string, urlencoded, JSON or multipart body. In the form encodings,
 * objects (reply_markup, commands) arrive as JSON text, so JSON-looking values are parsed back.
 * `undefined` means the body could not be parsed.
 */
async function readParams(req: IncomingMessage, url: URL): Promise<Params | undefined> {
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] = parseFormValue(v);
  const body = await readBody(req);
  if (body.length === 0) return params;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      return { ...params, ...(JSON.parse(body.toString('utf8')) as Params) };
    } catch {
      return undefined;
    }
  }
  if (type.includes('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = parseFormValue(v);
    return params;
  }
  if (type.includes('multipart/form-data')) {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    for (const [k, v] of form) {
      params[k] = typeof v === 'string' ? parseFormValue(v) : { filename: v.name, size: v.size };
    }
  }
  return params;
}

function parseFormValue(v: string): unknown {
  if (/^\s*[[{]/.test(v)) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  return /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Resolves once `read()` holds at least `n` items; fakes call every waiter after each request.
 * Rejects after `timeoutMs` with what was seen, so a hanging test explains itself.
 */
export function waitUntil<T>(waiters: Set<() => void>, read: () => T[], n: number, timeoutMs: number, what: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const items = read();
      if (items.length < n) return;
      done();
      resolve(items);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} ${what}; saw ${read().length}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      waiters.delete(check);
    };
    waiters.add(check);
    check();
  });
}

/** Closes the server and any keep-alive sockets clients left open, so `afterAll` does not hang. */
export function closeServer(server: import('node:http').Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
