import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody, send, waitUntil } from './fake-bot-api.js';

/**
 * A local stand-in for the Bot Framework Connector REST API (v3), the service a Teams bot talks back to.
 * botbuilder sends to whatever `serviceUrl` an activity or conversation reference carries, so pointing that at
 * `serviceUrl` here runs the real ConnectorClient against it. Teams conversation ids contain `:`, `;` and `@`
 * (e.g. `19:abc@thread.tacv2;messageid=17`) and arrive URL-encoded; they are recorded decoded.
 *
 * Token endpoint: with `accessToken` set, `POST /{tenant}/oauth2/v2.0/token` answers like Entra ID's
 * client-credentials grant and every /v3 call must carry `Authorization: Bearer <accessToken>` (401 otherwise).
 * botbuilder's own password credentials cannot reach it: they go through MSAL, which refuses a non-https
 * authority ("Authority URIs must use https"). Tests that need authenticated outbound calls hand the adapter a
 * ServiceClientCredentialsFactory that fetches from `tokenUrl` instead.
 */

export type ConnectorOp = 'send' | 'reply' | 'update' | 'delete' | 'create' | 'token';

export interface RecordedActivity {
  kind: Exclude<ConnectorOp, 'token'>;
  conversationId: string;
  /** The activity addressed by reply/update/delete, decoded. */
  activityId?: string;
  /** The id the fake answered with (send, reply, create). */
  id?: string;
  /** The request body: an Activity, or ConversationParameters for `create`. */
  activity: Record<string, unknown>;
  authorization?: string;
  at: number;
}

/**
 * Every request, including failed and unknown ones, for asserting retries. Note: botbuilder's ConnectorClient
 * (Azure core pipeline) itself retries 429 after Retry-After and 5xx with exponential back-off (~1, 2, 4 s),
 * up to 3 retries, before the RestError reaches the bot; 4xx other than 429 surface at once.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  op?: ConnectorOp;
  status: number;
  at: number;
}

export interface ConnectorFault {
  status: number;
  headers?: Record<string, string>;
  /** Bot Framework `ErrorResponse`; a fitting one per status if omitted. */
  body?: unknown;
  times?: number;
}

export interface FakeConnector {
  serviceUrl: string;
  /** Set when started with `accessToken`. */
  tokenUrl?: string;
  /** Accepted calls only (2xx), in arrival order. */
  activities: RecordedActivity[];
  requests: RecordedRequest[];
  failNext(op: ConnectorOp, fault: ConnectorFault): void;
  waitForActivities(n: number, timeoutMs?: number): Promise<RecordedActivity[]>;
  clear(): void;
  close(): Promise<void>;
}

interface Route {
  op: ConnectorOp;
  conversationId?: string;
  activityId?: string;
}

const ERROR_CODES: Record<number, { code: string; message: string }> = {
  400: { code: 'BadArgument', message: 'Invalid activity' },
  401: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
  403: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' },
  404: { code: 'ConversationNotFound', message: 'Conversation not found.' },
  412: { code: 'PreconditionFailed', message: 'Precondition failed, please try again.' },
  429: { code: 'Throttled', message: 'Too many requests' },
  502: { code: 'ServiceError', message: 'Bad gateway' },
};

/**
 * `clientSecret`: the token endpoint then checks the posted `client_secret` and refuses another one as Entra ID
 * does (401 `invalid_client`, AADSTS7000215).
 */
export async function startFakeConnector(opts: { accessToken?: string; clientSecret?: string } = {}): Promise<FakeConnector> {
  const activities: RecordedActivity[] = [];
  const requests: RecordedRequest[] = [];
  const faults: Array<{ op: ConnectorOp; fault: ConnectorFault; left: number }> = [];
  const waiters = new Set<() => void>();
  let counter = 0;

  function takeFault(op: ConnectorOp): ConnectorFault | undefined {
    const i = faults.findIndex((f) => f.op === op);
    const entry = faults[i];
    if (!entry) return undefined;
    if (--entry.left <= 0) faults.splice(i, 1);
    return entry.fault;
  }

  function fail(res: ServerResponse, fault: ConnectorFault): void {
    const headers = { ...(fault.status === 429 && !fault.headers ? { 'Retry-After': '1' } : {}), ...fault.headers };
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    send(res, fault.status, fault.body ?? { error: ERROR_CODES[fault.status] ?? { code: 'ServiceError', message: 'Error' } });
  }

  /** The id the Connector hands back: a new conversation's, or a new activity's; an update keeps its own. */
  function newId(route: Route): string | undefined {
    if (route.op === 'create') return `a:fake-conversation-${++counter}`;
    if (route.op === 'send' || route.op === 'reply') return `1:${Date.now()}${++counter}`;
    return undefined;
  }

  function accept(req: IncomingMessage, res: ServerResponse, route: Route, body: Record<string, unknown>): number {
    const id = newId(route);
    activities.push({
      kind: route.op as RecordedActivity['kind'],
      conversationId: route.conversationId ?? id ?? '',
      activityId: route.activityId,
      id,
      activity: body,
      authorization: req.headers.authorization,
      at: Date.now(),
    });
    if (route.op === 'delete') {
      res.writeHead(200).end();
      return 200;
    }
    const status = route.op === 'create' ? 201 : 200;
    send(res, status, route.op === 'create' ? { id, serviceUrl: baseUrl } : { id: id ?? route.activityId });
    return status;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const route = routeOf(req.method ?? 'GET', new URL(req.url ?? '/', 'http://fake').pathname);
    const raw = await readBody(req);
    const status = await respond(req, res, route, raw);
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', ...(route ? { op: route.op } : {}), status, at });
    for (const wake of [...waiters]) wake();
  }

  async function respond(req: IncomingMessage, res: ServerResponse, route: Route | undefined, raw: Buffer): Promise<number> {
    if (!route || (route.op === 'token' && !opts.accessToken)) {
      send(res, 404, { error: { code: 'NotFound', message: `No route for ${req.method} ${req.url}` } });
      return 404;
    }
    const fault = takeFault(route.op);
    if (fault) {
      fail(res, fault);
      return fault.status;
    }
    if (route.op === 'token') {
      if (opts.clientSecret !== undefined && new URLSearchParams(raw.toString()).get('client_secret') !== opts.clientSecret) {
        send(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.' });
        return 401;
      }
      send(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: opts.accessToken });
      return 200;
    }
    if (opts.accessToken && req.headers.authorization !== `Bearer ${opts.accessToken}`) {
      fail(res, { status: 401 });
      return 401;
    }
    const body = parseActivity(raw);
    if (!body) {
      fail(res, { status: 400 });
      return 400;
    }
    return accept(req, res, route, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: { code: 'ServiceError', message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const fake: FakeConnector = {
    serviceUrl: baseUrl,
    activities,
    requests,
    failNext: (op, fault) => faults.push({ op, fault, left: fault.times ?? 1 }),
    waitForActivities: (n, timeoutMs = 15_000) => waitUntil(waiters, () => activities, n, timeoutMs, 'connector activities'),
    clear() {
      activities.length = 0;
      requests.length = 0;
      faults.length = 0;
    },
    close: () => closeServer(server),
  };
  if (opts.accessToken) fake.tokenUrl = `${baseUrl}botframework.com/oauth2/v2.0/token`;
  return fake;
}

/** Maps a request to a Connector operation; path segments are decoded one by one so `%2F` stays inside an id. */
function routeOf(method: string, pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (method === 'POST' && parts.length === 4 && parts.slice(1).join('/') === 'oauth2/v2.0/token') return { op: 'token' };
  if (parts[0] !== 'v3' || parts[1] !== 'conversations') return undefined;
  const [, , conversationId, resource, activityId] = parts;
  if (parts.length === 2) return method === 'POST' ? { op: 'create' } : undefined;
  if (resource !== 'activities') return undefined;
  if (parts.length === 4 && method === 'POST') return { op: 'send', conversationId };
  if (parts.length !== 5) return undefined;
  const op = ({ POST: 'reply', PUT: 'update', DELETE: 'delete' } as const)[method as 'POST' | 'PUT' | 'DELETE'];
  return op ? { op, conversationId, activityId } : undefined;
}

function parseActivity(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
