import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createCore, type Core } from '../../../src/app.js';
import { createTeamsChannel, type TeamsChannel, type TeamsChannelOptions } from '../../../src/channels/teams/channel.js';
import { createCheckinsFor, type CheckinsWiring } from '../../../src/checkins/index.js';
import { loadConfig } from '../../../src/config.js';
import { createServer } from '../../../src/http/server.js';
import { startFakeConnector, type FakeConnector, type RecordedActivity } from '../../support/fake-connector.js';
import { freshRedis, redisUrl } from '../../support/redis.js';
import { inviteLinksFor } from '../../../src/channels/list.js';

/**
 * The Teams channel as production runs it, on 127.0.0.1: the real core (Redis DB 5), the check-in service, the
 * one Fastify server with `POST /api/messages`, botbuilder's CloudAdapter behind it, and a fake Bot Connector
 * that the activities' `serviceUrl` points at, so every reply, card and update goes over real HTTP.
 */

export const TENANT = '0f0f0f0f-1111-4222-8333-444455556666';
export const WORKER = '7a7a7a7a-1111-4222-8333-444455556666';

export interface Harness {
  core: Core;
  app: FastifyInstance;
  base: string;
  connector: FakeConnector;
  channel: TeamsChannel;
  wiring: CheckinsWiring;
  dataDir: string;
  /** Every response document written to the JSONL sink. */
  responses(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Environment on top of the test defaults. */
  env?: Record<string, string>;
  /** Makes the fake Connector demand this bearer token (from its token endpoint). */
  accessToken?: string;
  channel?: (connector: FakeConnector) => Partial<TeamsChannelOptions>;
  /** Real Redis (DB 5, flushed first) unless false: then one test file owns DB 5 and others run on memory. */
  redis?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  if (opts.redis !== false) await (await freshRedis(5)).quit();
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-teams-'));
  const connector = await startFakeConnector(opts.accessToken ? { accessToken: opts.accessToken } : {});
  const config = loadConfig({
    NODE_ENV: 'test', ...(opts.redis === false ? {} : { REDIS_URL: redisUrl(5) }), PSEUDONYM_KEY: 'teams-test-key-'.padEnd(40, 'x'), DATA_DIR: dataDir,
    TEAMS_WORKER_TENANT_ID: TENANT, TEAMS_WORKER_IDS: WORKER, TELEGRAM_BOT_USERNAME: 'feedback_test_bot', PUBLIC_URL: 'https://feedback.example.be',
    ...opts.env,
  });
  const core = await createCore(config, pino({ level: 'silent' }));
  const wiring = createCheckinsFor(core, inviteLinksFor(config));
  const app = createServer();
  const channel = await createTeamsChannel({ core, app, checkins: wiring.checkins, pace: { baseDelayMs: 5, maxDelayMs: 20 }, ...opts.channel?.(connector) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    core, app, base, connector, channel, wiring, dataDir,
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
      await connector.close();
    },
  };
}

let seq = 0;

/** A personal-chat message from a Teams user, as the channel service posts it. */
export function message(h: Harness, user: string, fields: { text?: string; value?: unknown; replyToId?: string; locale?: string } = {}): Record<string, unknown> {
  return {
    type: 'message', id: `1:in-${Date.now()}-${++seq}`, channelId: 'msteams', serviceUrl: h.connector.serviceUrl,
    timestamp: new Date().toISOString(), locale: fields.locale ?? 'nl-BE', textFormat: 'plain',
    from: { id: `29:${user}`, name: 'Test Persoon', aadObjectId: user },
    recipient: { id: '28:feedbackbot', name: 'Feedbackbot' },
    conversation: { id: `a:personal-${user}`, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    ...fields,
  };
}

export async function post(h: Harness, activity: Record<string, unknown>, token?: string): Promise<number> {
  const res = await fetch(`${h.base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  await res.arrayBuffer();
  // The bot answers once the turn is saved and says it after (the outbox): what the chat shows, once said.
  await h.core.outbox.idle();
  return res.status;
}

/* ---------- reading what the bot sent ---------- */

export interface SentAction {
  title: string;
  fb?: string;
  data: Record<string, unknown>;
}

type CardJson = { body?: Array<Record<string, unknown>> };

export const cardOf = (a: RecordedActivity | undefined): CardJson | undefined =>
  (a?.activity.attachments as Array<{ content: CardJson }> | undefined)?.[0]?.content;

export function actionsOf(a: RecordedActivity | undefined): SentAction[] {
  const body = cardOf(a)?.body ?? [];
  return body
    .filter((b) => b.type === 'ActionSet')
    .flatMap((b) => b.actions as Array<{ title: string; data: Record<string, unknown> }>)
    .map((x) => ({ title: x.title, data: x.data, ...(typeof x.data.fb === 'string' ? { fb: x.data.fb } : {}) }));
}

/** All text on a card or a message, one line per block. */
export function textOf(a: RecordedActivity | undefined): string {
  if (!a) return '';
  const card = cardOf(a);
  if (!card) return String(a.activity.text ?? '');
  return (card.body ?? []).filter((b) => b.type === 'TextBlock').map((b) => String(b.text)).join('\n');
}

/** Sent (not updated) activities to one conversation: what appeared in the chat, in order. */
export const sentTo = (h: Harness, user: string) =>
  h.connector.activities.filter((a) => (a.kind === 'reply' || a.kind === 'send') && a.conversationId === `a:personal-${user}`);

export const lastCard = (h: Harness, user: string) => sentTo(h, user).filter((a) => cardOf(a)).at(-1);
