import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createCore, type Core } from '../../../src/app.js';
import type { Pace } from '../../../src/channels/kit/lanes.js';
import { createWhatsAppChannel, type WhatsAppChannel } from '../../../src/channels/whatsapp/channel.js';
import { createCheckinsFor, type CheckinsWiring } from '../../../src/checkins/index.js';
import type { Invite } from '../../../src/checkins/port.js';
import { loadConfig } from '../../../src/config.js';
import { createServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/log.js';
import { startFakeGraphApi, type FakeGraphApi, type SentMessage } from '../../support/fake-graph-api.js';
import { freshRedis, redisUrl } from '../../support/redis.js';
import { buttonReply, listReply, messageFrom, postNotification, templateButton, text, type MessageOptions, type Notification } from '../../support/whatsapp-notifications.js';
import { inviteLinksFor } from '../../../src/channels/list.js';

/**
 * The WhatsApp channel as production runs it, on 127.0.0.1: the real core (on the Redis database given, or in memory), the
 * check-in service with follow-ups, the one Fastify server with `GET`/`POST /whatsapp`, and the fake Graph API the
 * channel sends to over real HTTP. Every log line (trace level) is kept, so tests can check that no number leaks.
 * `WaUser` plays a person in their WhatsApp: typing, tapping reply buttons and list rows of the newest messages.
 */

export const APP_SECRET = 'test-app-secret-0123456789abcdef';
export const VERIFY_TOKEN = 'verify-token-0123456789';
export const BUSINESS_NUMBER = '32470000000';

export interface Harness {
  core: Core;
  api: FakeGraphApi;
  app: FastifyInstance;
  channel: WhatsAppChannel;
  wiring: CheckinsWiring;
  url: string;
  dataDir: string;
  /** Cloud API error codes the channel counted (the metrics hook). */
  errors: string[];
  malformed: number;
  /** Every log line, as JSON text. */
  logs: string[];
  /** POSTs a notification signed as Meta does (or with `signatureHeader`; null: none), then waits until it was said. */
  post(body: Notification | string, signatureHeader?: string | null): Promise<{ status: number; body: string }>;
  user(waId: string): WaUser;
  invite(flow: string, over?: { ageBand?: 'young' | 'teen'; locale?: 'nl' | 'fr' | 'en'; respondentRef?: string; caseRef?: string }): Promise<{ id: string; token: string; invite: Invite }>;
  responses(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Redis database (flushed first), or false for the embedded memory store. */
  db: number | false;
  env?: Record<string, string>;
  pace?: Pace;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const { db } = opts;
  if (db !== false) await (await freshRedis(db)).quit();
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-whatsapp-'));
  const api = await startFakeGraphApi();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test', ...(db === false ? {} : { REDIS_URL: redisUrl(db) }), PSEUDONYM_KEY: 'whatsapp-test-key-'.padEnd(40, 'x'), DATA_DIR: dataDir, PUBLIC_URL: 'https://feedback.example.be',
    WHATSAPP_ACCESS_TOKEN: api.token, WHATSAPP_PHONE_NUMBER_ID: api.phoneNumberId, WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_API_ROOT: api.apiRoot, WHATSAPP_NUMBER: `+${BUSINESS_NUMBER}`,
    ...opts.env,
  });
  const core = await createCore(config, createLogger({ level: 'trace', destination: sink }));
  const wiring = createCheckinsFor(core, inviteLinksFor(config));
  const app = createServer();
  const errors: string[] = [];
  let malformed = 0;
  const channel = createWhatsAppChannel({
    core, app, checkins: wiring.checkins, pace: opts.pace ?? { intervalMs: 0, burst: 1 }, graph: { baseDelayMs: 5 },
    onError: (code) => errors.push(code), onMalformed: () => void malformed++,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}/whatsapp`;
  const h: Harness = {
    core, api, app, channel, wiring: wiring, url, dataDir, errors, logs,
    get malformed() {
      return malformed;
    },
    async post(body, signatureHeader) {
      const res = await postNotification(url, body, APP_SECRET, signatureHeader);
      await channel.settled();
      return res;
    },
    user: (waId) => new WaUser(h, waId),
    async invite(flow, over = {}) {
      const role = core.bank.flows.get(flow)!.audience.role;
      const { checkin } = await wiring.checkins.create({
        flow, caseRef: over.caseRef ?? 'CASE-WA', respondent: { role, ...(over.ageBand ? { ageBand: over.ageBand } : {}) },
        ...(over.locale ? { locale: over.locale } : {}), ...(over.respondentRef ? { respondentRef: over.respondentRef } : {}),
      }, 'test');
      if (!checkin.token) throw new Error('the check-in came without an invite token');
      return { id: checkin.id, token: checkin.token, invite: wiring.checkins.invite(checkin)! };
    },
    responses: () => {
      try {
        return readFileSync(join(dataDir, 'responses.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
    async close() {
      await channel.stop();
      await app.close();
      await wiring.close();
      await core.close();
      await api.close();
    },
  };
  return h;
}

/* ---------- reading what the bot sent ---------- */

export interface Choice {
  id: string;
  title: string;
  kind: 'button' | 'row';
}

type InteractiveJson = { type: string; body: { text: string }; action: { button?: string; buttons?: Array<{ reply: { id: string; title: string } }>; sections?: Array<{ rows: Array<{ id: string; title: string }> }> } };
const interactiveOf = (m: SentMessage | undefined) => (m?.type === 'interactive' ? (m.body.interactive as InteractiveJson) : undefined);

/** What a message shows as text: the text, an interactive message's body, or `[template name/lang]`. */
export function textOf(m: SentMessage | undefined): string {
  if (!m) return '';
  if (m.type === 'text') return (m.body.text as { body: string }).body;
  if (m.type === 'template') {
    const t = m.body.template as { name: string; language: { code: string } };
    return `[template ${t.name}/${t.language.code}]`;
  }
  return interactiveOf(m)?.body.text ?? '';
}

export function choicesOf(m: SentMessage | undefined): Choice[] {
  const i = interactiveOf(m);
  if (!i) return [];
  if (i.type === 'button') return (i.action.buttons ?? []).map((b) => ({ id: b.reply.id, title: b.reply.title, kind: 'button' }));
  return (i.action.sections ?? []).flatMap((s) => s.rows).map((r) => ({ id: r.id, title: r.title, kind: 'row' }));
}

/** The list's button text, for list messages. */
export const listButtonOf = (m: SentMessage | undefined) => interactiveOf(m)?.action.button;

export class WaUser {
  constructor(readonly h: Harness, readonly waId: string) {}

  get key(): string {
    return `wa:${this.h.core.pseudonymise('whatsapp', this.waId)}`;
  }

  messages(): SentMessage[] {
    return this.h.api.messages(this.waId);
  }

  texts(after = 0): string[] {
    return this.messages().slice(after).map(textOf);
  }

  /** The newest message with a choice whose id ends in `|<code>` (or whose title is `title`). */
  find(code: string): { message: SentMessage; choice: Choice } | undefined {
    for (const message of [...this.messages()].reverse()) {
      const choice = choicesOf(message).find((c) => c.id.endsWith(`|${code}`) || c.title === code);
      if (choice) return { message, choice };
    }
    return undefined;
  }

  /** The notification a tap on that choice sends: a button or list reply, quoting the message it was on. */
  tap(code: string, opts: MessageOptions = {}): Notification {
    const found = this.find(code);
    if (!found) throw new Error(`no choice ${code} in [${this.messages().flatMap(choicesOf).map((c) => c.id).join(' ')}]`);
    const { message, choice } = found;
    const reply = choice.kind === 'button' ? buttonReply(choice.id, choice.title) : listReply(choice.id, choice.title);
    return messageFrom(this.h.api.phoneNumberId, this.waId, reply, { context: message.id, ...opts });
  }

  press(code: string) {
    return this.h.post(this.tap(code));
  }

  said(body: string, opts: MessageOptions = {}): Notification {
    return messageFrom(this.h.api.phoneNumberId, this.waId, text(body), opts);
  }

  say(body: string, opts: MessageOptions = {}) {
    return this.h.post(this.said(body, opts));
  }

  start(token: string, opts: MessageOptions = {}) {
    return this.say(`start ${token}`, opts);
  }

  answerTemplate(label = 'Verder') {
    return this.h.post(messageFrom(this.h.api.phoneNumberId, this.waId, templateButton(label)));
  }
}
