import type { FastifyInstance } from 'fastify';
import type { Core } from '../../app.js';
import type { Checkins } from '../../checkins/port.js';
import type { Config } from '../../config.js';
import { decodeButton, encodeButton } from '../../conversation/input.js';
import { normalise } from '../../conversation/normalise.js';
import type { Input } from '../../conversation/types.js';
import { errorSummary } from '../../log.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import type { TurnResult } from '../../turns/runner.js';
import { answeredOf } from '../../turns/outbox.js';
import { createInbound, startToken } from '../kit/inbound.js';
import { ChatLanes, type Pace } from '../kit/lanes.js';
import { createGraphClient, type GraphOptions } from './graph.js';
import { readNotification, type InboundMessage, type StatusUpdate } from './notification.js';
import { waRecords } from './records.js';
import { conversationSeconds } from '../kit/records.js';
import { createSpeaker, type Heard } from './speaker.js';
import { templateFor } from './window.js';
import { registerWebhook } from './webhook.js';

/**
 * The WhatsApp channel on Meta's WhatsApp Cloud API: notification → neutral input → runner → prompts as WhatsApp
 * messages (speaker.ts). Routes `GET`/`POST /whatsapp` on the one HTTP server (webhook.ts).
 *
 * Never losing a message: a notification is acknowledged (200) only once every message in it went through the
 * runner, which saves the conversation before anything is said; a turn that could not be saved answers 503, so Meta
 * delivers the notification again and the runner recognises what it already applied (by message id). What a turn
 * says is sent after the 200, in the person's lane, so Meta never waits on pacing or retries.
 *
 * Platform ids stay here: the rest of the bot sees `wa:<pseudonym>` (keyed hash of the WhatsApp id); message ids
 * are hashed too before they are kept (as update ids, as the current question's messages). The number itself is
 * kept only in the conversation's record (records.ts).
 */

export const whatsappEnabled = (config: Config): boolean =>
  Boolean(config.WHATSAPP_ACCESS_TOKEN && config.WHATSAPP_PHONE_NUMBER_ID && config.WHATSAPP_APP_SECRET && config.WHATSAPP_VERIFY_TOKEN);

/** Meta's pair rate limit: one message every 6 s to the same person on average, in bursts of up to 45. */
export const WHATSAPP_PACE: Pace = { intervalMs: 6000, burst: 45 };

/** What a press on an older copy of the current question becomes: no revision is 0, no question is called "-". */
const STALE_PRESS = encodeButton(0, '-', { type: 'help' });

export interface WhatsAppChannelOptions {
  core: Core;
  app: FastifyInstance;
  /** Redeems invites (`start <token>`); without it every invite is unknown. */
  checkins?: Checkins;
  /** Per-person pacing (default: Meta's pair rate limit). */
  pace?: Pace;
  /** Retry tuning of Cloud API calls (tests shorten the back-off). */
  graph?: Pick<GraphOptions, 'attempts' | 'baseDelayMs' | 'timeoutMs'>;
  /** Counts a signed request that was not a notification (acknowledged and ignored). */
  onMalformed?(): void;
  /** Counts a Cloud API error code: a refused send or a `failed` status. */
  onError?(code: string): void;
}

export interface WhatsAppChannel {
  /** Resolves once everything handed to the lanes or the outbox so far was said (tests; shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function createWhatsAppChannel(opts: WhatsAppChannelOptions): WhatsAppChannel {
  const { core, checkins } = opts;
  const { config, log, texts } = core;
  if (!whatsappEnabled(config)) throw new Error('WhatsApp needs WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN');
  const phoneNumberId = config.WHATSAPP_PHONE_NUMBER_ID!;
  const defaultLocale = config.DEFAULT_LOCALE;
  const graph = createGraphClient({ apiRoot: config.WHATSAPP_API_ROOT, phoneNumberId, token: config.WHATSAPP_ACCESS_TOKEN!, ...opts.graph });
  const commands = core.engine.lexicons.commands;
  const hash = (messageId: string) => core.pseudonymise('whatsapp-message', messageId);
  const speaker = createSpeaker({
    graph, records: waRecords({ redis: core.redis, ttlSeconds: conversationSeconds(core.bank) }), lanes: new ChatLanes(opts.pace ?? WHATSAPP_PACE),
    texts, log, defaultLocale, checkins, templates: config.WHATSAPP_TEMPLATES, hash, isCommand: (word) => commands.has(normalise(word)),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  if (!config.WHATSAPP_NUMBER) log.warn('WHATSAPP_NUMBER is not set: invites carry no WhatsApp link');

  const pending = new Set<Promise<void>>();
  /** Work after the acknowledgement: tracked, so shutdown and tests can wait for it; a failure is logged. */
  const later = (work: Promise<void>, what: string) => {
    const tracked: Promise<void> = work
      .catch((err: unknown) => log.warn({ err: errorSummary(err) }, `whatsapp: ${what}`))
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  const pseudonymOf = (waId: string) => core.pseudonymise('whatsapp', waId);
  const keyOf = (waId: string) => `wa:${pseudonymOf(waId)}`;
  const inbound = createInbound(core, checkins, 'whatsapp');
  /** Storage trouble: the person is asked to try again and the notification fails (503), so Meta sends it again. */
  const tryAgain = (key: string, heard: Heard) => async (lng: Locale) => later(speaker.tryAgain(key, heard, lng), 'could not say "try again"');
  async function failing<T>(key: string, heard: Heard, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      await tryAgain(key, heard)(await inbound.lngOf(key, defaultLocale));
      throw err;
    }
  }

  /** Saved with the turn (the outbox): said after the acknowledgement, by whichever process gets to it. */
  function sayResult(key: string, heard: Heard, result: TurnResult | undefined): void {
    if (!result || result.queued) return; // the outbox's sender says it (for a redelivery, what its first copy saved)
    const ctx = result.state?.context;
    const deleted = result.events.some((e) => e.type === 'data.delete');
    const said = { prompts: result.prompts, answered: answeredOf(result.events), ...(deleted ? { deleted } : {}), ...(ctx ? { lng: ctx.lng, checkinId: ctx.checkin.id } : {}) };
    later(speaker.reply(key, heard, said), 'saved turn could not be said');
  }

  async function turn(key: string, heard: Heard, input: Input, updateId: string): Promise<void> {
    sayResult(key, heard, await inbound.turn(key, input, updateId, tryAgain(key, heard), { via: heard }));
  }

  /** `start <token>`: redeem the invite and open its check-in; a refusal is said once, however often it arrives. */
  async function start(key: string, heard: Heard, token: string, updateId: string): Promise<void> {
    const { result, refusal } = await inbound.start(key, token, { pseudonym: pseudonymOf(heard.to), updateId, lng: defaultLocale, outbox: { via: heard } }, tryAgain(key, heard));
    sayResult(key, heard, result);
    if (refusal) later(speaker.reply(key, heard, { prompts: [refusal] }), 'invite refusal could not be said');
  }

  /**
   * A press on a reply button or list row. Messages keep their buttons forever: one on the message of an earlier
   * question (its context id) that names the question on screen (an earlier check-in's, at the same revision) is
   * stale. Every other press is the engine's to judge by the revision its data carries.
   */
  async function pressed(key: string, data: string, context: string | undefined): Promise<Input> {
    const rec = await speaker.record(key);
    const b = decodeButton(data);
    const on = context && hash(context);
    const older = rec?.open && b && on && b.rev === rec.open.rev && b.ask === rec.open.ask && !rec.open.ids.includes(on) && rec.past?.includes(on);
    return { kind: 'button', data: older ? STALE_PRESS : data };
  }

  async function onMessage(m: InboundMessage): Promise<void> {
    if (m.said.kind === 'ignored') return;
    const key = keyOf(m.from);
    const heard: Heard = { to: m.from, at: m.at, id: m.id };
    const updateId = hash(m.id);
    const said = m.said;
    if (said.kind === 'text') {
      const token = startToken(said.text);
      return token ? start(key, heard, token, updateId) : turn(key, heard, { kind: 'text', text: said.text }, updateId);
    }
    if (said.kind === 'reply') return turn(key, heard, await failing(key, heard, pressed(key, said.data, m.context)), updateId);
    if (said.kind === 'template') {
      // The answer to a template: the window is open again, and what the template stood in for is said now.
      if (!(await failing(key, heard, speaker.record(key)))?.held?.length) return turn(key, heard, { kind: 'text', text: said.text }, updateId);
      if (await failing(key, heard, core.store.seen(key, updateId))) later(speaker.reply(key, heard, { prompts: [] }), 'held messages could not be said');
      return;
    }
    return turn(key, heard, { kind: 'unsupported' }, updateId);
  }

  function onStatus(s: StatusUpdate): void {
    if (s.status !== 'failed') return;
    const code = s.codes[0];
    opts.onError?.(String(code ?? 'unknown'));
    later(speaker.failed(keyOf(s.recipient), code), 'failed status could not be recorded');
  }

  registerWebhook(opts.app, {
    appSecret: config.WHATSAPP_APP_SECRET!,
    verifyToken: config.WHATSAPP_VERIFY_TOKEN!,
    log,
    async handle(body) {
      const notification = readNotification(body, phoneNumberId);
      if (!notification) {
        opts.onMalformed?.();
        log.warn('whatsapp: malformed notification acknowledged and ignored');
        return;
      }
      try {
        for (const m of notification.messages) await onMessage(m);
      } catch (err) {
        log.warn({ err: errorSummary(err) }, 'whatsapp: notification not acknowledged; Meta will deliver it again');
        throw err;
      }
      notification.statuses.forEach(onStatus);
    },
  });

  core.outbound.set('wa', {
    send: (key, prompts, about) => speaker.push(key, prompts, about),
    keep: (key, seconds) => speaker.keep(key, seconds),
    // A turn of the person's answers them; a timer's turn writes first (the window, templates).
    say: async (key, entry) => {
      const about = entry.checkinId ? { checkinId: entry.checkinId, lng: entry.lng } : undefined;
      if (!entry.via) return void (await speaker.push(key, entry.prompts, about));
      await speaker.reply(key, entry.via as Heard, { prompts: entry.prompts, answered: entry.answered, lng: entry.lng, ...(entry.checkinId ? { checkinId: entry.checkinId } : {}) });
    },
    // Follow-ups come weeks later, long after the window: only a check-in template can carry them.
    writesFirst: LOCALES.some((lng) => templateFor(config.WHATSAPP_TEMPLATES, 'checkin', lng)),
  });

  async function settled(): Promise<void> {
    do {
      await Promise.all([...pending]);
      await core.outbox.idle();
    } while (pending.size);
  }

  return {
    settled,
    async stop() {
      core.outbound.delete('wa');
      await settled();
    },
  };
}
