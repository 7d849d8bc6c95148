import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody, send, waitUntil } from './fake-bot-api.js';

/**
 * A local stand-in for the WhatsApp Cloud API's messages endpoint (`POST /<version>/<phone number id>/messages`), so
 * the channel's real HTTP calls run in tests without the internet. It answers like Meta: `{ messages: [{ id }] }`
 * for a sent message, `{ success: true }` for a read receipt, and Graph errors (`{ error: { code, … } }`) for a wrong
 * token (401, code 190), a wrong path (400, code 100) and a message outside WhatsApp's limits (400, code 131009:
 * more than 3 buttons, titles over 20 characters, more than 10 list rows, row titles over 24, bodies over 1,024 or
 * 4,096). Errors can be injected per call, optionally for one recipient only.
 */

export interface SentMessage {
  /** The `wamid.…` the fake answered with. */
  id: string;
  to: string;
  type: string;
  /** The request body as sent. */
  body: Record<string, unknown>;
  at: number;
}

export interface GraphCall {
  method: string;
  path: string;
  status: number;
  /** Meta's error code when the fake refused the call. */
  code?: number;
  body: Record<string, unknown> | undefined;
  at: number;
}

export interface GraphFault {
  /** HTTP status (Meta answers 400 for most errors, 429 for some rate limits). */
  status: number;
  code: number;
  /** Only calls to this recipient fail. */
  to?: string;
  /** Read receipts fail too (by default only sends do). */
  reads?: boolean;
  times?: number;
}

export interface FakeGraphApi {
  /** Graph API root including its version, as `WHATSAPP_API_ROOT` takes it. */
  apiRoot: string;
  phoneNumberId: string;
  token: string;
  calls: GraphCall[];
  /** Accepted sends, in order; to one recipient when named. */
  messages(to?: string): SentMessage[];
  /** Message ids marked read. */
  reads(): string[];
  failNext(fault: GraphFault): void;
  /** Resolves once at least `n` messages were accepted (in all). */
  waitForMessages(n: number, timeoutMs?: number): Promise<SentMessage[]>;
  clear(): void;
  close(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  100: 'Invalid parameter',
  190: 'Invalid OAuth access token',
  131009: 'Parameter value is not valid',
};

function buttonProblem(text: string, action: Record<string, unknown> | undefined): string | undefined {
  const buttons = (action?.buttons ?? []) as Array<{ type?: string; reply?: { id?: string; title?: string } }>;
  if (!text || text.length > 1024) return 'button body must be 1–1024 characters';
  if (buttons.length < 1 || buttons.length > 3) return 'reply buttons: 1 to 3';
  if (buttons.some((b) => b.type !== 'reply' || !b.reply?.id || b.reply.id.length > 256 || !b.reply.title || b.reply.title.length > 20)) return 'button titles ≤ 20 characters, ids ≤ 256';
  if (new Set(buttons.map((b) => b.reply?.id)).size !== buttons.length || new Set(buttons.map((b) => b.reply?.title)).size !== buttons.length) return 'button ids and titles must be unique';
  return undefined;
}

function listProblem(text: string, action: Record<string, unknown> | undefined): string | undefined {
  const sections = (action?.sections ?? []) as Array<{ title?: string; rows?: Array<{ id?: string; title?: string; description?: string }> }>;
  const rows = sections.flatMap((s) => s.rows ?? []);
  const button = action?.button;
  if (!text || text.length > 4096) return 'list body must be 1–4096 characters';
  if (typeof button !== 'string' || !button || button.length > 20) return 'list button text ≤ 20 characters';
  if (rows.length < 1 || rows.length > 10) return 'list rows: 1 to 10';
  if (sections.length > 1 && sections.some((s) => !s.title)) return 'sections need titles when there are several';
  if (rows.some((r) => !r.id || r.id.length > 200 || !r.title || r.title.length > 24 || (r.description ?? '').length > 72)) return 'row titles ≤ 24, descriptions ≤ 72, ids ≤ 200';
  if (new Set(rows.map((r) => r.id)).size !== rows.length) return 'row ids must be unique';
  return undefined;
}

/** Why WhatsApp would refuse this message, or undefined when it is within the limits. */
export function limitProblem(body: Record<string, unknown>): string | undefined {
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be whatsapp';
  if (typeof body.to !== 'string' || !body.to) return 'to is required';
  if (body.type === 'text') {
    const text = (body.text as { body?: unknown } | undefined)?.body;
    return typeof text === 'string' && text.length > 0 && text.length <= 4096 ? undefined : 'text.body must be 1–4096 characters';
  }
  if (body.type === 'template') {
    const t = body.template as { name?: unknown; language?: { code?: unknown } } | undefined;
    return typeof t?.name === 'string' && typeof t.language?.code === 'string' ? undefined : 'template needs name and language.code';
  }
  if (body.type !== 'interactive') return `unsupported type ${String(body.type)}`;
  const i = body.interactive as { type?: string; body?: { text?: string }; action?: Record<string, unknown> } | undefined;
  if (i?.type === 'button') return buttonProblem(i.body?.text ?? '', i.action);
  if (i?.type === 'list') return listProblem(i.body?.text ?? '', i.action);
  return `unsupported interactive type ${String(i?.type)}`;
}

export async function startFakeGraphApi(opts: { version?: string; phoneNumberId?: string; token?: string } = {}): Promise<FakeGraphApi> {
  const version = opts.version ?? 'v23.0';
  const phoneNumberId = opts.phoneNumberId ?? '109876543210987';
  const token = opts.token ?? 'EAAtest-access-token-for-the-fake-graph-api';
  const calls: GraphCall[] = [];
  const sent: SentMessage[] = [];
  const read: string[] = [];
  const faults: Array<{ fault: GraphFault; left: number }> = [];
  const waiters = new Set<() => void>();
  let counter = 0;

  function takeFault(body: Record<string, unknown>): GraphFault | undefined {
    const isRead = body.status === 'read';
    const i = faults.findIndex(({ fault }) => (fault.to === undefined || fault.to === body.to) && (!isRead || fault.reads === true));
    const entry = faults[i];
    if (!entry) return undefined;
    if (--entry.left <= 0) faults.splice(i, 1);
    return entry.fault;
  }

  function refuse(res: ServerResponse, status: number, code: number, details = ''): { status: number; code: number } {
    send(res, status, { error: { message: MESSAGES[code] ?? 'Error', type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details }, fbtrace_id: 'fake' } });
    return { status, code };
  }

  function respond(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown> | undefined): { status: number; code?: number } {
    if (req.headers.authorization !== `Bearer ${token}`) return refuse(res, 401, 190);
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://fake').pathname !== `/${version}/${phoneNumberId}/messages` || !body) return refuse(res, 400, 100);
    const fault = takeFault(body);
    if (fault) return refuse(res, fault.status, fault.code);
    if (body.status === 'read') {
      if (body.messaging_product !== 'whatsapp' || typeof body.message_id !== 'string') return refuse(res, 400, 100);
      read.push(body.message_id);
      send(res, 200, { success: true });
      return { status: 200 };
    }
    const problem = limitProblem(body);
    if (problem) return refuse(res, 400, 131009, problem);
    const id = `wamid.FAKE${String(++counter).padStart(8, '0')}`;
    sent.push({ id, to: body.to as string, type: body.type as string, body, at: Date.now() });
    send(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id }] });
    return { status: 200 };
  }

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      let body: Record<string, unknown> | undefined;
      try {
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const { status, code } = respond(req, res, body);
      calls.push({ method: req.method ?? 'GET', path: req.url ?? '/', status, ...(code ? { code } : {}), body, at: Date.now() });
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiRoot: `http://127.0.0.1:${port}/${version}`,
    phoneNumberId,
    token,
    calls,
    messages: (to) => sent.filter((m) => to === undefined || m.to === to),
    reads: () => [...read],
    failNext: (fault) => faults.push({ fault, left: fault.times ?? 1 }),
    waitForMessages: (n, timeoutMs = 15_000) => waitUntil(waiters, () => sent, n, timeoutMs, 'WhatsApp messages'),
    clear() {
      calls.length = 0;
      sent.length = 0;
      read.length = 0;
      faults.length = 0;
    },
    close: () => closeServer(server),
  };
}
