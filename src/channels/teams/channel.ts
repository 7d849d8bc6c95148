import type { Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationReference, TurnContext } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../app.js';
import type { Checkin, Checkins, RedeemResult } from '../../checkins/port.js';
import type { Config } from '../../config.js';
import { RetryLaterError, type TurnResult } from '../../turns/runner.js';
import type { Input } from '../../conversation/types.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import { createInbound } from '../kit/inbound.js';
import { cardActivity, textActivity, workerMenuCard, type OutgoingActivity } from './cards.js';
import { isWellFormedActivity, readMessage } from './input.js';
import { routeConsole } from './console.js';
import { createPacer, isUnreachable, statusOf, type PaceOptions } from './pace.js';
import { memoryTeamsRecords, redisTeamsRecords } from './records.js';
import { createSpeaker, type ConversationIo } from './speaker.js';
import { checkTeamsCredentials } from './token.js';
import { checkinForm, checkinRequest, inviteFor, isWorker } from './worker.js';

/**
 * The Microsoft Teams channel on the Bot Framework SDK (botbuilder's `CloudAdapter`): `POST /api/messages` on the
 * one HTTP server → neutral input → runner → prompts as Adaptive Cards and text (teams-speaker.ts).
 *
 * Every botbuilder import is in this file, and botbuilder is loaded only when Teams is configured (it costs
 * ~0.7 s and ~80 MB at start-up). Microsoft moved the Bot Framework SDK to maintenance in favour of the
 * Microsoft 365 Agents SDK; the rest of the channel (cards, input, records, pacing, worker screens) speaks
 * plain Bot Framework activities and HTTP statuses, so a switch replaces this file only.
 *
 * Authentication: with `MICROSOFT_APP_ID` set, the adapter validates every request's JWT (issuer, audience,
 * signature, expiry, endorsements, service URL); a request that fails gets 401 and nothing is processed.
 * CloudAdapter answers 500 for some of those failures (a bad signature surfaces as jsonwebtoken's error), so
 * any failure before the turn starts is answered 401 here. Without an app id only tests may run
 * (`TEAMS_ALLOW_UNAUTHENTICATED`, which the configuration refuses outside `NODE_ENV=test`).
 *
 * Platform ids stay here: the rest of the bot sees `teams:<pseudonym>` (keyed hash of the user's Entra ID
 * object id). The conversation reference needed to write first is kept only in the conversation's record
 * (teams-records.ts), with a TTL, and deleted with the respondent's `/wis`.
 */

/** The Bot Framework channel service's token issuer (public cloud), required next to custom OpenID metadata. */
const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

type Credentials = ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1];

export interface TeamsChannelOptions {
  core: Core;
  /** The one HTTP server: `POST /api/messages` is registered on it. */
  app: FastifyInstance;
  /** Redeems typed invites (`start <token>`) and creates check-ins for workers; without it both are off. */
  checkins?: Checkins;
  /** Pacing and retries of Connector calls (defaults: Teams' 7 per second per conversation, 4 attempts). */
  pace?: PaceOptions;
  /**
   * Outbound credentials instead of the ones made from `MICROSOFT_APP_*` (tests: a local token endpoint, which
   * botbuilder's MSAL client refuses because it is not https).
   */
  credentialsFactory?: Credentials;
  /** Counts a request that was not a well-formed activity (acknowledged and ignored). */
  onMalformed?: () => void;
}

/** How a proactive check-in went: the caller shares the invite link instead unless it was delivered. */
export type ProactiveOutcome =
  | { status: 'delivered' }
  /** The bot never talked with this person (or forgot them: TTL, `/wis`). */
  | { status: 'unknown' }
  /** Blocked, uninstalled, or the bot is no longer in the conversation: the check-in is marked unreachable. */
  | { status: 'unreachable' }
  | { status: 'refused'; reason: Extract<RedeemResult, { ok: false }>['reason'] | 'no-token' };

export interface TeamsChannel {
  /**
   * Opens a check-in proactively with a respondent who talked to the bot before, identified by their Entra ID
   * object id (as the case system knows them).
   */
  deliverCheckin(checkin: Checkin, aadObjectId: string): Promise<ProactiveOutcome>;
  stop(): Promise<void>;
}

/** Teams is on with an app id, or (tests only) explicitly unauthenticated. */
export const teamsEnabled = (config: Config): boolean => Boolean(config.MICROSOFT_APP_ID || config.TEAMS_ALLOW_UNAUTHENTICATED);

/** The fields of a conversation reference needed to write first; names and the last activity id are left out. */
function referenceOf(a: Activity): Partial<ConversationReference> {
  const c = a.conversation;
  return {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: c.id, conversationType: c.conversationType, tenantId: c.tenantId, isGroup: c.isGroup } as ConversationReference['conversation'],
    user: { id: a.from.id, aadObjectId: a.from.aadObjectId } as ConversationReference['user'],
    bot: { id: a.recipient.id } as ConversationReference['bot'],
  };
}

export async function createTeamsChannel(opts: TeamsChannelOptions): Promise<TeamsChannel> {
  const { core, app, checkins } = opts;
  const { config, log, texts, runner } = core;
  const appId = config.MICROSOFT_APP_ID ?? '';
  if (!appId && !(config.TEAMS_ALLOW_UNAUTHENTICATED && config.NODE_ENV === 'test')) {
    throw new Error('Teams needs MICROSOFT_APP_ID (with its password or managed identity); only tests may run it without authentication');
  }
  if (!opts.credentialsFactory) await checkTeamsCredentials(config);
  const bb = await import('botbuilder');
  const restoreConsole = routeConsole(log);
  const settings = {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: config.MICROSOFT_APP_PASSWORD,
    MicrosoftAppType: config.MICROSOFT_APP_TYPE ?? 'MultiTenant',
    MicrosoftAppTenantId: config.MICROSOFT_APP_TENANT_ID,
    ...(config.BOT_OPENID_METADATA ? { BotOpenIdMetadata: config.BOT_OPENID_METADATA, ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER } : {}),
  };
  const credentials = opts.credentialsFactory ?? new bb.ConfigurationServiceClientCredentialFactory(settings);
  const adapter: CloudAdapter = new bb.CloudAdapter(new bb.ConfigurationBotFrameworkAuthentication(settings, credentials));

  const records = core.redis ? redisTeamsRecords(core.redis) : memoryTeamsRecords();
  const pacer = createPacer(opts.pace);
  const speaker = createSpeaker({ records, texts, log });
  const pseudonymOf = (userId: string) => core.pseudonymise('teams', userId);
  const keyOf = (userId: string) => `teams:${pseudonymOf(userId)}`;
  const localeOf = (tag: string | undefined): Locale => {
    const lng = tag?.slice(0, 2).toLowerCase();
    return LOCALES.includes(lng as Locale) ? (lng as Locale) : config.DEFAULT_LOCALE;
  };
  /** Storage trouble during a turn: the respondent is told to try again and Teams gets a 5xx. */
  const storage = <T>(p: Promise<T>): Promise<T> => p.catch((err: unknown) => Promise.reject(err instanceof RetryLaterError ? err : new RetryLaterError(err)));
  const inbound = createInbound(core, checkins, 'teams');
  /** "Try again" is said by `onMessage` for every storage failure of the turn, this one included. */
  const saidByOnMessage = async () => {};

  function ioOf(ctx: TurnContext): ConversationIo {
    const conversation = ctx.activity.conversation;
    return {
      send: async (a: OutgoingActivity) => (await pacer.run(conversation.id, () => ctx.sendActivity(a as Partial<Activity>)))?.id,
      update: async (id: string, a: OutgoingActivity) => {
        await pacer.run(conversation.id, () => ctx.updateActivity({ ...(a as Partial<Activity>), id, conversation }));
      },
    };
  }

  /** One turn of the conversation; what it says is said even if the platform call fails (it was saved). */
  async function turn(key: string, input: Input, updateId: string | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    return sayResult(key, await inbound.turn(key, input, updateId, saidByOnMessage), io, lng);
  }

  async function sayResult(key: string, r: TurnResult | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    if (!r) return;
    try {
      await speaker.say(key, io, r.prompts, r.events, r.state?.context.lng ?? lng);
      if (r.events.some((e) => e.type === 'data.delete')) await records.delete(key);
    } catch (err) {
      // A 5xx would only bring a redelivery the runner ignores as a duplicate: log and acknowledge.
      log.warn({ key, status: statusOf(err), err: (err as Error).name }, 'teams: turn saved but not (fully) said');
    }
  }

  async function redeem(key: string, userId: string, token: string, updateId: string | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    const { result, refusal } = await storage(inbound.start(key, token, { pseudonym: pseudonymOf(userId), ...(updateId ? { updateId } : {}), lng }, saidByOnMessage));
    if (refusal) await io.send(textActivity(refusal.text));
    return sayResult(key, result, io, lng);
  }

  /** The worker's form submitted: create the check-in and show the invite to share. */
  async function createCheckin(a: Activity, userId: string, fields: Record<string, string>, io: ConversationIo, lng: Locale): Promise<void> {
    const t = texts.t(lng);
    if (!checkins) {
      await io.send(textActivity(t('teams:worker.unavailable')));
      return;
    }
    try {
      const { checkin } = await checkins.create(checkinRequest(fields, a.replyToId ?? a.id), `teams:${pseudonymOf(userId)}`);
      const invite = checkins.invite(checkin);
      await io.send(invite ? cardActivity(await inviteFor(t, checkin, invite, appId || undefined)) : textActivity(t('teams:worker.unavailable')));
    } catch (err) {
      const problems = (err as { fields?: Record<string, string> }).fields; // the service's CheckinInvalidError
      if (!problems) throw err instanceof RetryLaterError ? err : new RetryLaterError(err);
      await io.send(textActivity(t('teams:worker.invalid', { problems: Object.values(problems).join('; ') })));
    }
  }

  async function onMessage(ctx: TurnContext): Promise<void> {
    const a = ctx.activity;
    const userId = a.from?.aadObjectId ?? a.from?.id;
    if (!userId) return;
    const io = ioOf(ctx);
    const lng = localeOf(a.locale);
    if (a.conversation?.conversationType && a.conversation.conversationType !== 'personal') {
      await io.send(textActivity(texts.t(lng)('teams:personalOnly')));
      return;
    }
    const key = keyOf(userId);
    try {
      await storage(records.setRef(key, referenceOf(a) as Record<string, unknown>));
      const reading = readMessage(a);
      const tenantId = a.conversation.tenantId ?? (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
      const worker = isWorker(config, { aadObjectId: a.from.aadObjectId, tenantId });
      if (reading.kind === 'start') return await redeem(key, userId, reading.token, a.id, io, lng);
      if (worker && reading.kind === 'checkinForm') {
        await io.send(cardActivity(checkinForm(texts.t(lng), core.bank, lng, a.from.name)));
        return;
      }
      if (worker && reading.kind === 'checkinCreate') return await createCheckin(a, userId, reading.fields, io, lng);
      // Not a worker: `checkin` is just text, and a forged worker submit means nothing.
      const read: Input = reading.kind === 'input' ? reading.input : a.text ? { kind: 'text', text: a.text } : { kind: 'unsupported' };
      // The client's language goes with what is typed: said before a check-in exists, the answer is in it.
      const input: Input = read.kind === 'text' || read.kind === 'unsupported' ? { ...read, lng } : read;
      if (worker && input.kind === 'text' && !(await storage(core.store.load(key)))) {
        await io.send(cardActivity(workerMenuCard(texts.t(lng))));
        return;
      }
      await turn(key, input, a.id, io, lng);
    } catch (err) {
      if (err instanceof RetryLaterError) await io.send(textActivity(texts.t(lng)('tryAgain'))).catch(() => undefined);
      throw err;
    }
  }

  app.post('/api/messages', async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    if (!isWellFormedActivity(body)) {
      opts.onMalformed?.();
      log.warn('teams: malformed activity acknowledged and ignored');
      return reply.code(200).send('');
    }
    let started = false;
    let failure: unknown;
    const res = { statusCode: 200, body: undefined as unknown };
    const response = {
      socket: req.raw.socket,
      status: (code: number) => void (res.statusCode = code),
      header: () => undefined,
      send: (b: unknown) => void (res.body = b),
      end: () => undefined,
    };
    await adapter.process({ method: 'POST', headers: req.headers, body }, response, async (ctx) => {
      started = true;
      try {
        if (ctx.activity.type === 'message') await onMessage(ctx);
        // An invoke the bot has no use for still gets its answer; without one botbuilder replies 501 and Teams retries.
        else if (ctx.activity.type === 'invoke') await ctx.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
      } catch (err) {
        failure = err;
      }
    });
    if (!started) {
      log.warn({ status: res.statusCode }, 'teams: request refused (authentication)');
      return reply.code(401).send({ error: 'unauthorized' });
    }
    if (failure) {
      log.error({ err: (failure as Error).name, reason: (failure as Error).message }, 'teams: turn failed');
      return reply.code(failure instanceof RetryLaterError ? 503 : 500).send({ error: 'try again later' });
    }
    return reply.code(res.statusCode).send(res.body ?? '');
  });

  /** Runs `say` in a conversation the bot writes to first. */
  async function continueWith(ref: Record<string, unknown>, say: (io: ConversationIo) => Promise<void>): Promise<void> {
    await adapter.continueConversationAsync(appId, ref as Partial<ConversationReference>, (ctx) => say(ioOf(ctx)));
  }

  /** Reminders and follow-ups the bot says first (`core.outbound`). */
  core.outbound.set('teams', {
    async send(key, prompts) {
      const { ref } = await records.get(key);
      if (!ref) {
        log.warn({ key }, 'teams: no conversation reference to write to');
        return 'unreachable';
      }
      const conv = (await core.store.load(key))?.state.snap.context;
      try {
        await continueWith(ref, (io) => speaker.say(key, io, prompts, [], conv?.lng ?? config.DEFAULT_LOCALE));
        return 'sent';
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        log.warn({ key, status: statusOf(err) }, 'teams: respondent unreachable');
        if (conv && checkins) await checkins.markUnreachable(conv.checkin.id);
        return 'unreachable';
      }
    },
    keep: (key, seconds) => records.keep(key, seconds),
  });

  async function deliverCheckin(checkin: Checkin, aadObjectId: string): Promise<ProactiveOutcome> {
    const key = keyOf(aadObjectId);
    const { ref } = await records.get(key);
    if (!ref) return { status: 'unknown' };
    if (!checkins || !checkin.token) return { status: 'refused', reason: 'no-token' };
    const redeemed = await checkins.redeem(checkin.token, { conversationKey: key, pseudonym: pseudonymOf(aadObjectId), channel: 'teams' });
    if (!redeemed.ok) return { status: 'refused', reason: redeemed.reason };
    const r = await runner.handle({ key, input: { kind: 'open', checkin: redeemed.info } });
    try {
      await continueWith(ref, (io) => speaker.say(key, io, r.prompts, r.events, r.state?.context.lng ?? checkin.locale));
      return { status: 'delivered' };
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      log.warn({ key, checkin: checkin.id, status: statusOf(err) }, 'teams: check-in unreachable');
      await checkins.markUnreachable(checkin.id);
      return { status: 'unreachable' };
    }
  }

  return {
    deliverCheckin,
    async stop() {
      core.outbound.delete('teams');
      restoreConsole();
    },
  };
}
