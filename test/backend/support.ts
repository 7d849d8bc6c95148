import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildBackend, type BackendOptions } from '../../src/backend/app.js';
import { createUser, type NewUser } from '../../src/backend/auth/users.js';
import type { Db } from '../../src/backend/db/port.js';
import type { CheckinInfo } from '../../src/conversation/types.js';
import type { ResponseDocument, SafetySignal } from '../../src/survey/payload.js';
import { createSigner } from '../../src/delivery/sign.js';
import type { Bank } from '../../src/survey/load.js';
import { Chat, checkin, loadTestBank } from '../support/engine.js';
import { freshDb, type DatabaseKind } from '../support/postgres.js';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const OLD_SECRET = 'whsec_b2xkIHNlY3JldCBmb3Igcm90YXRpb24=';
export const PASSWORD = 'correct horse battery staple';

const loaded = loadTestBank();
export const { bank, engine } = loaded;

export interface TestBackend {
  app: FastifyInstance;
  db: Db;
  bank: Bank;
  close(): Promise<void>;
}

/** The backend on a fresh database of `kind`, accepting webhooks signed with SECRET or OLD_SECRET. */
export async function testBackend(kind: DatabaseKind, over: Partial<BackendOptions> = {}): Promise<TestBackend> {
  const { db, drop } = await freshDb(kind);
  const app = buildBackend({ db, bank, webhookSecrets: [SECRET, OLD_SECRET], signalOverdueMinutes: 60, ...over });
  await app.ready();
  return { app, db, bank, close: async () => (await app.close(), await drop()) };
}

const sign = createSigner([SECRET]);

/** POSTs `doc` to /webhooks as the bot's delivery does (its own signer), or with the given headers. */
export function postWebhook(app: FastifyInstance, doc: unknown, o: { id?: string; at?: Date; signer?: typeof sign; body?: string } = {}) {
  const body = o.body ?? JSON.stringify(doc);
  const id = o.id ?? (doc as { id: string }).id;
  const at = o.at ?? new Date();
  return app.inject({
    method: 'POST', url: '/webhooks', payload: body,
    headers: {
      'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': (o.signer ?? sign)(id, at, body),
    },
  });
}

/** How a simulated respondent answers: a scale value per item (else the middle), and what they type. */
export interface Answers {
  values?: Record<string, number | 'dk' | 'skip'>;
  text?: string;
  comment?: string;
}

/**
 * Walks one real conversation through the bot's engine and returns what the bot would deliver: the response
 * document and any safety signals. `info` overrides the check-in (case, team, pseudonym, id).
 */
export function converse(flowId: string, info: Partial<CheckinInfo>, answers: Answers = {}, start?: number): { response: ResponseDocument; signals: SafetySignal[] } {
  const flow = bank.flows.get(flowId)!;
  const chat = new Chat(engine, flow, start);
  chat.open(checkin(flow, { locale: 'en', ...info }));
  for (let turn = 0; turn < 60; turn++) {
    const done = chat.events.find((e) => e.type === 'response.completed');
    if (done && 'response' in done) {
      return { response: done.response, signals: chat.events.flatMap((e) => (e.type === 'safety.signal' ? [e.signal] : [])) };
    }
    const buttons = chat.buttons();
    const ask = chat.ask ?? '';
    const tap = (suffix: string) => chat.send({ kind: 'button', data: buttons.find((b) => b.data.endsWith(`|${suffix}`))!.data });
    if (ask === 'intro') tap('st');
    else if (ask === 'review') tap('sd');
    else if (ask.endsWith('+')) chat.say(answers.comment ?? 'It helps when she listens.');
    else if (!buttons.some((b) => /\|a:/.test(b.data))) chat.say(answers.text ?? 'We would like more time together.');
    else {
      const want = answers.values?.[ask];
      const values = buttons.flatMap((b) => (/\|a:(-?\d+)$/.exec(b.data) ? [Number(/\|a:(-?\d+)$/.exec(b.data)![1])] : []));
      if (want === 'dk') tap('dk');
      else if (want === 'skip') tap('sk');
      else tap(`a:${want ?? values[Math.floor(values.length / 2)]}`);
    }
  }
  throw new Error(`the conversation on ${flowId} did not complete`);
}

/** Cookies a browser would send back, from Set-Cookie headers (deleted ones dropped). */
export function cookiesFrom(res: LightMyRequestResponse, jar: Record<string, string> = {}): Record<string, string> {
  for (const c of res.cookies) {
    if (c.maxAge === 0 || c.value === '') delete jar[c.name];
    else jar[c.name] = c.value;
  }
  return jar;
}
export const cookieHeader = (jar: Record<string, string>) => Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ');

/** The hidden csrf field of the first form on a page. */
export const csrfOf = (html: string) => /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';

/** Signs in through the form like a browser: GET /login, then POST it with the form's token. Returns the cookie jar. */
export async function signIn(app: FastifyInstance, email: string, password = PASSWORD, ip = '127.0.0.1') {
  const form = await app.inject({ method: 'GET', url: '/login', remoteAddress: ip });
  const jar = cookiesFrom(form);
  const res = await app.inject({
    method: 'POST', url: '/login', remoteAddress: ip, headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: csrfOf(form.body), email, password, next: '/' }).toString(),
  });
  return { res, jar: cookiesFrom(res, jar) };
}

/** A user with PASSWORD, signed in: `get(url)` and `post(url, form)` carry the session and the page's CSRF token. */
export async function as(app: FastifyInstance, db: Db, user: Omit<NewUser, 'password'>) {
  await createUser(db, { ...user, password: PASSWORD });
  const { jar } = await signIn(app, user.email);
  const headers = () => ({ cookie: cookieHeader(jar) });
  return {
    jar,
    get: (url: string) => app.inject({ method: 'GET', url, headers: headers() }),
    post: async (url: string, form: Record<string, string>, csrfFrom = '/admin/users') => {
      const page = await app.inject({ method: 'GET', url: csrfFrom, headers: headers() });
      return app.inject({
        method: 'POST', url, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ csrf: csrfOf(page.body), ...form }).toString(),
      });
    },
  };
}

export const count = async (db: Db, table: string): Promise<number> => (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n;
