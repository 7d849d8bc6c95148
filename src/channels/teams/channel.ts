import type { FastifyInstance } from 'fastify';
import type { Core } from '../../app.js';
import type { Checkin, Checkins, RedeemResult } from '../../checkins/port.js';
import type { Config } from '../../config.js';
import { RetryLaterError, type TurnResult } from '../../turns/runner.js';
import { answeredOf, type Outgoing } from '../../turns/outbox.js';
import type { Input, Prompt } from '../../conversation/types.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import { createInbound } from '../kit/inbound.js';
import { createBotFramework, type Credentials, type Incoming } from './botframework.js';
import { cardActivity, textActivity, workerMenuCard } from './cards.js';
import { readMessage } from './input.js';
import { createPacer, isUnreachable, statusOf, type PaceOptions } from './pace.js';
import { memoryTeamsRecords, redisTeamsRecords } from './records.js';
import { createSpeaker, type ConversationIo } from './speaker.js';
import { checkinForm, checkinRequest, inviteFor, isWorker } from './worker.js';

/**
 * The Microsoft Teams channel: `POST /api/messages` on the one HTTP server → neutral input → runner → prompts as
 * Adaptive Cards and text (speaker.ts). Everything here is SDK-neutral (the worker's `checkin` command, invite
 * redemption, proactive delivery, reminders); the Bot Framework SDK sits in botframework.ts alone.
 *
 * Platform ids stay here: the rest of the bot sees `teams:<pseudonym>` (keyed hash of the user's Entra ID
 * object id). The conversation reference needed to write first is kept only in the conversation's record
 * (records.ts), with a TTL, and deleted with the respondent's `/wis`.
 */

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

export async function createTeamsChannel(opts: TeamsChannelOptions): Promise<TeamsChannel> {
  const { core, app, checkins } = opts;
  const { config, log, texts, runner } = core;
  const appId = config.MICROSOFT_APP_ID ?? '';
  if (!appId && !(config.TEAMS_ALLOW_UNAUTHENTICATED && config.NODE_ENV === 'test')) {
    throw new Error('Teams needs MICROSOFT_APP_ID (with its password or managed identity); only tests may run it without authentication');
  }
  const pacer = createPacer(opts.pace);

  const records = core.redis ? redisTeamsRecords(core.redis) : memoryTeamsRecords();
  const speaker = createSpeaker({ records, texts, log });
  const bf = await createBotFramework({ config, app, log, pacer, ...(opts.credentialsFactory ? { credentialsFactory: opts.credentialsFactory } : {}), ...(opts.onMalformed ? { onMalformed: opts.onMalformed } : {}), onMessage });
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

  /**
   * One turn of the conversation: what it says is saved with it (the outbox) and said after Teams was answered,
   * through the conversation's reference, by whichever process gets to it.
   */
  async function turn(key: string, input: Input, updateId: string | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    return sayResult(key, await inbound.turn(key, input, updateId, saidByOnMessage, {}), io, lng);
  }

  async function sayResult(key: string, r: TurnResult | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    if (!r || r.queued) return; // the outbox's sender says it (for a redelivery, what its first copy saved)
    try {
      await speaker.say(key, io, r.prompts, answeredOf(r.events), r.state?.context.lng ?? lng);
      if (r.events.some((e) => e.type === 'data.delete')) await records.delete(key);
    } catch (err) {
      // A 5xx would only bring a redelivery the runner ignores as a duplicate: log and acknowledge.
      log.warn({ key, status: statusOf(err), err: (err as Error).name }, 'teams: turn saved but not (fully) said');
    }
  }

  async function redeem(key: string, userId: string, token: string, updateId: string | undefined, io: ConversationIo, lng: Locale): Promise<void> {
    const { result, refusal } = await storage(inbound.start(key, token, { pseudonym: pseudonymOf(userId), ...(updateId ? { updateId } : {}), lng, outbox: {} }, saidByOnMessage));
    if (refusal) return void (await io.send(textActivity(refusal.text)));
    return sayResult(key, result, io, lng);
  }

  /** The worker's form submitted: create the check-in and show the invite to share. */
  async function createCheckin(a: Incoming, userId: string, fields: Record<string, string>, io: ConversationIo, lng: Locale): Promise<void> {
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

  async function onMessage(a: Incoming, io: ConversationIo): Promise<void> {
    const userId = a.from?.aadObjectId ?? a.from?.id;
    if (!userId) return;
    const lng = localeOf(a.locale);
    if (a.conversation?.conversationType && a.conversation.conversationType !== 'personal') {
      await io.send(textActivity(texts.t(lng)('teams:personalOnly')));
      return;
    }
    const key = keyOf(userId);
    try {
      await storage(records.setRef(key, a.reference));
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

  /** Says prompts through the conversation's reference (proactively); unreachable: no reference, or Teams says so. */
  async function sayTo(key: string, prompts: Prompt[], answered: Outgoing['answered'], about?: { lng: Locale; checkinId?: string }): Promise<'sent' | 'unreachable'> {
    const { ref } = await records.get(key);
    if (!ref) {
      log.warn({ key }, 'teams: no conversation reference to write to');
      return 'unreachable';
    }
    const context = about ? undefined : (await core.store.load(key))?.state.snap.context;
    const conv = about ?? (context && { lng: context.lng, checkinId: context.checkin.id });
    try {
      await bf.continueWith(ref, (io) => speaker.say(key, io, prompts, answered, conv?.lng ?? config.DEFAULT_LOCALE));
      return 'sent';
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      log.warn({ key, status: statusOf(err) }, 'teams: respondent unreachable');
      if (conv?.checkinId && checkins) await checkins.markUnreachable(conv.checkinId);
      return 'unreachable';
    }
  }

  /** Reminders and follow-ups the bot says first, and what saved turns say (`core.outbound`). */
  core.outbound.set('teams', {
    send: (key, prompts) => sayTo(key, prompts, []),
    say: async (key, entry) => void (await sayTo(key, entry.prompts, entry.answered, { lng: entry.lng, ...(entry.checkinId ? { checkinId: entry.checkinId } : {}) })),
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
      await bf.continueWith(ref, (io) => speaker.say(key, io, r.prompts, answeredOf(r.events), r.state?.context.lng ?? checkin.locale));
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
      bf.stop();
    },
  };
}
