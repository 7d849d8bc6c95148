import { createHmac, randomBytes } from 'node:crypto';
import type { CheckinInfo, EngineEvent, Snapshot } from '../conversation/types.js';
import type { Bank } from '../survey/load.js';
import type { Locale } from '../survey/schema.js';
import { inviteLinks, trimSlash } from './links.js';
import type { Checkin, CheckinRequest, Checkins, CheckinStatus, InviteLink, RedeemResult } from './port.js';
import type { ReachStore } from './reach.js';
import { createRateLimiter, type RateLimiter, type Rule } from './rate-limit.js';
import { CheckinBody, fieldErrors } from './request.js';
import { isFinal, type CheckinRecord, type CheckinStore } from './store.js';
import { CHECKIN_ID, createSealer, newCheckinId, newToken, sha256, TOKEN_SHAPE } from './token.js';

/**
 * The check-in service: validates a worker's request against the installed flows, issues single-use invites,
 * binds an invite to the first conversation that redeems it, and follows the runner's events to move the status
 * forward (created → opened → in_progress → completed | expired | declined | unreachable).
 *
 * Status rules: a respondent who stops (`/stop`, with or without a partial response), deletes their data (`/wis`)
 * or replaces the check-in with a newer one has *declined*; a conversation that ran out of time has *expired*, and
 * so has an invite nobody opened before `expiresAt` (reported lazily on read). Outcomes are final.
 */

export interface RedeemLimits {
  limiter: RateLimiter;
  /** Failed redemptions per conversation; default 10 an hour. */
  perConversation?: Rule;
  /** Failed redemptions per IP (channels that know one, e.g. web chat); default 30 an hour. */
  perIp?: Rule;
}

export interface CheckinsOptions {
  store: CheckinStore;
  /** Flow ids and audiences are checked against the installed flows. */
  bank: Pick<Bank, 'flows'>;
  defaultLocale: Locale;
  now?: () => Date;
  /** The channels' invite links, in the channel list's order (`inviteLinksFor(config)`); none by default. */
  links?: readonly InviteLink[];
  /** `PUBLIC_URL`, or the local server (`http://127.0.0.1:<PORT>`): the API's own URLs hang off it. */
  publicUrl?: string;
  /** Seals stored tokens; a fixed secret (PSEUDONYM_KEY) lets QR codes be drawn again after a restart. */
  secret?: string;
  /** Defaults to counters in this process. */
  redeemLimits?: RedeemLimits;
  /** Follow-ups by `respondentRef`; without them a `respondentRef` is only stored and there is only the invite. */
  followUps?: FollowUpOptions;
}

export interface FollowUpOptions {
  reach: ReachStore;
  /** `FOLLOWUP_TTL_DAYS`: how long consent keeps a way to reach the respondent. */
  ttlSeconds: number;
  /** Whether the bot can write first in this conversation (Telegram, Teams; not the web chat). */
  canWriteFirst(conversationKey: string): boolean;
  /** Keeps the channel's address of the conversation at least this long (consent outlives the conversation). */
  keep(conversationKey: string, seconds: number): Promise<void>;
  /** Plans the direct delivery of a check-in. */
  schedule(id: string, when: Date): Promise<void>;
}

export interface CheckinsService extends Checkins {
  /** Base of the API's own URLs. */
  readonly baseUrl: string;
  /** The invite links this service makes: the QR code's targets. */
  readonly links: readonly InviteLink[];
  /**
   * A due follow-up: binds it to the conversation its `respondentRef` has consent for and returns what the runner
   * opens there; undefined when consent is gone (withdrawn, `/wis`, expired) or the check-in is no longer open.
   */
  openDirect(id: string): Promise<{ key: string; info: CheckinInfo } | undefined>;
}

/** A request that cannot become a check-in: one message per field path. */
export class CheckinInvalidError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(`invalid check-in request: ${Object.keys(fields).join(', ')}`);
    this.name = 'CheckinInvalidError';
  }
}

/** The idempotency key was already used by this client for a different request. */
export class IdempotencyConflictError extends CheckinInvalidError {
  constructor() {
    super({ idempotencyKey: 'this idempotency key was already used for a different request' });
    this.name = 'IdempotencyConflictError';
  }
}

export const DEFAULT_EXPIRES_IN_HOURS = 168;
const HOUR = 3600;
/** Records outlive their invite by 30 days (or the flow's lifetime, if longer), for status reads and late events. */
const MIN_GRACE_SECONDS = 30 * 24 * HOUR;
const DEFAULT_REDEEM_LIMITS = { perConversation: { limit: 10, windowSeconds: HOUR }, perIp: { limit: 30, windowSeconds: HOUR } };

/** The conversation's final state tells how it ended, even when no event said so (a stop without partial). */
const OUTCOME_OF_STATE: Record<string, CheckinStatus | undefined> = { done: 'completed', consent: 'completed', stopped: 'declined', expired: 'expired' };

export function createCheckins(opts: CheckinsOptions): CheckinsService {
  const { store, bank, defaultLocale } = opts;
  const now = opts.now ?? (() => new Date());
  const baseUrl = trimSlash(opts.publicUrl ?? 'http://127.0.0.1:3000');
  const links = opts.links ?? [];
  // Without a configured secret, one per process: sealed tokens and reference hashes then last as long as it.
  const secret = opts.secret ?? randomBytes(32).toString('base64');
  const sealer = createSealer(secret);
  const limits = {
    limiter: opts.redeemLimits?.limiter ?? createRateLimiter(),
    perConversation: opts.redeemLimits?.perConversation ?? DEFAULT_REDEEM_LIMITS.perConversation,
    perIp: opts.redeemLimits?.perIp ?? DEFAULT_REDEEM_LIMITS.perIp,
  };

  const followUps = opts.followUps;
  /** `respondentRef` is the caller's; only its keyed hash is a key. */
  const refHash = (ref: string) => createHmac('sha256', secret).update(`respondentRef\n${ref}`).digest('base64url');
  /** Where consent for this reference and case lets the bot write, if anywhere. */
  const reachOf = async (ref: string | null, caseRef: string | null) => {
    const reach = ref === null || !followUps ? undefined : await followUps.reach.get(refHash(ref));
    return reach && reach.caseRef === caseRef ? reach : undefined;
  };

  /** Seconds a conversation on this flow may live (its lifetime plus the runner's day of grace). */
  const conversationSeconds = (flowId: string) => ((bank.flows.get(flowId)?.lifetimeHours ?? 24 * 90) + 24) * HOUR;

  /** Field problems of the body and of its fit with the flow, all at once. */
  function validate(req: CheckinRequest): CheckinBody {
    const parsed = CheckinBody.safeParse(req);
    const fields = { ...audienceProblems(req), ...(parsed.success ? {} : fieldErrors(parsed.error)) };
    if (!parsed.success || Object.keys(fields).length) throw new CheckinInvalidError(fields);
    return parsed.data;
  }

  /** The flow must exist, be meant for this role, and for a child name one of its age bands. Reads the raw body. */
  function audienceProblems(req: Partial<CheckinRequest> | null | undefined): Record<string, string> {
    if (typeof req?.flow !== 'string' || typeof req.respondent?.role !== 'string') return {};
    const flow = bank.flows.get(req.flow);
    const { role, ageBand } = req.respondent;
    const bands = flow?.audience.ageBands;
    if (!flow) return { flow: `unknown flow "${req.flow}"; installed: ${[...bank.flows.keys()].join(', ')}` };
    if (flow.audience.role !== role) return { 'respondent.role': `flow ${flow.id} is for the role "${flow.audience.role}"` };
    if (role === 'child' && ageBand === undefined) return { 'respondent.ageBand': `ageBand is required for a child${bands ? ` (${bands.join(' or ')})` : ''}` };
    if (role !== 'child' && ageBand !== undefined) return { 'respondent.ageBand': 'ageBand is only for children' };
    if (ageBand !== undefined && bands && !bands.includes(ageBand)) return { 'respondent.ageBand': `flow ${flow.id} is for the age bands ${bands.join(', ')}` };
    return {};
  }

  /** The status as of now: an invite nobody opened before it expired is expired, stamped at its expiry. */
  function toCheckin(record: CheckinRecord): Checkin {
    const { sealedToken, fingerprint, ...rest } = record;
    const lapsed = record.status === 'created' && now().toISOString() >= record.expiresAt;
    return {
      ...rest,
      token: sealer.open(sealedToken),
      ...(lapsed ? { status: 'expired' as const, history: { ...record.history, expired: record.expiresAt } } : {}),
    };
  }

  async function create(req: CheckinRequest, client: string) {
    const body = validate(req);
    const created = now();
    // A planned follow-up's invite runs from when it is sent.
    const at = body.sendAt && Date.parse(body.sendAt) > created.getTime() ? new Date(body.sendAt) : created;
    const hours = body.expiresInHours ?? DEFAULT_EXPIRES_IN_HOURS;
    const locale = body.locale ?? defaultLocale;
    const token = newToken();
    const { flow, caseRef, teamRef, respondent, worker, respondentRef, sendAt } = body;
    const fingerprint = sha256(JSON.stringify([flow, caseRef, respondent.role, respondent.ageBand, worker?.firstName, locale, hours, respondentRef, sendAt, ...(teamRef ? [teamRef] : [])]));
    const direct = (await reachOf(respondentRef ?? null, caseRef)) !== undefined;
    const record: CheckinRecord = {
      id: newCheckinId(), flow, caseRef, teamRef: teamRef ?? null, role: respondent.role, ageBand: respondent.ageBand ?? null,
      workerFirstName: worker?.firstName ?? null, locale, status: 'created', sealedToken: sealer.seal(token),
      createdAt: created.toISOString(), expiresAt: new Date(at.getTime() + hours * HOUR * 1000).toISOString(),
      history: { created: created.toISOString() }, boundTo: null, respondentRef: respondentRef ?? null, sendAt: sendAt ?? null,
      delivery: direct ? 'direct' : 'invite', fingerprint,
    };
    const ttl = Math.ceil((at.getTime() - created.getTime()) / 1000) + hours * HOUR + Math.max(MIN_GRACE_SECONDS, conversationSeconds(flow));
    const idempotency = body.idempotencyKey === undefined ? undefined : sha256(`${client}\n${body.idempotencyKey}`);
    const saved = await store.create(record, sha256(token), ttl, idempotency);
    if (!saved.created && saved.record.fingerprint !== fingerprint) throw new IdempotencyConflictError();
    if (saved.created && direct) await followUps!.schedule(record.id, at);
    return { checkin: toCheckin(saved.record), created: saved.created };
  }

  async function get(id: string): Promise<Checkin | undefined> {
    if (!CHECKIN_ID.test(id)) return undefined;
    const record = await store.get(id);
    return record && toCheckin(record);
  }

  async function attempt(token: string, by: Parameters<Checkins['redeem']>[1]): Promise<RedeemResult> {
    const id = TOKEN_SHAPE.test(token) ? await store.idByToken(sha256(token)) : undefined;
    const record = id === undefined ? undefined : await store.get(id);
    if (!record) return { ok: false, reason: 'unknown' };
    const checkin = toCheckin(record);
    if (checkin.status === 'expired') return { ok: false, reason: 'expired' };
    if (isFinal(checkin.status) || (record.boundTo !== null && record.boundTo !== by.conversationKey)) return { ok: false, reason: 'used' };
    const outcome = await store.bind(record.id, by.conversationKey);
    if (outcome === undefined) return { ok: false, reason: 'unknown' };
    if (outcome === 'other') return { ok: false, reason: 'used' };
    const info: CheckinInfo = {
      id: checkin.id, flow: checkin.flow, caseRef: checkin.caseRef, ...(checkin.teamRef ? { teamRef: checkin.teamRef } : {}), role: checkin.role, ageBand: checkin.ageBand,
      worker: checkin.workerFirstName, pseudonym: by.pseudonym, channel: by.channel, locale: checkin.locale,
    };
    if (record.respondentRef !== null && followUps?.canWriteFirst(by.conversationKey)) {
      // Consent already on record for this conversation is not asked again; /wis withdraws it.
      const known = await reachOf(record.respondentRef, record.caseRef);
      if (known?.conversationKey !== by.conversationKey) info.askFollowUp = true;
    }
    return { ok: true, checkin: { ...checkin, boundTo: by.conversationKey }, info };
  }

  /** Failed attempts are counted per conversation and per IP; over the limit, the token is not even looked up. */
  const redeem: Checkins['redeem'] = async (token, by) => {
    const counters: Array<[string, string, Rule]> = [['redeem-conv', by.conversationKey, limits.perConversation]];
    if (by.ip) counters.push(['redeem-ip', by.ip, limits.perIp]);
    for (const [bucket, id, rule] of counters) if (!(await limits.limiter.check(bucket, id, rule)).ok) return { ok: false, reason: 'unknown' };
    const result = await attempt(token, by);
    if (!result.ok) for (const [bucket, id, rule] of counters) await limits.limiter.hit(bucket, id, rule);
    return result;
  };

  /** Declines the check-in a conversation was on, unless it is `except` (the one replacing it). */
  async function declineCurrent(key: string, at: string, except?: string): Promise<void> {
    const current = await store.current(key);
    if (current && current !== except) await store.move(current, 'declined', at);
  }

  const onEvents: Checkins['onEvents'] = async (key: string, events: EngineEvent[], state: Snapshot | undefined) => {
    const at = now().toISOString();
    for (const e of events) {
      if (e.type === 'checkin.replace') await declineCurrent(key, at, e.pending.id);
      else if (e.type === 'data.delete') {
        await declineCurrent(key, at);
        await store.clearCurrent(key);
        await followUps?.reach.forget(key);
      } else if (e.type === 'followup.consent' && state) {
        await consent(key, e.checkinId, e.given, state, at);
      } else if (e.type === 'checkin.opened') {
        await store.move(e.checkinId, 'opened', at);
        await store.setCurrent(key, e.checkinId, conversationSeconds(state?.context.flow.id ?? ''));
      } else if (e.type === 'checkin.started') await store.move(e.checkinId, 'in_progress', at);
    }
    const outcome = state && OUTCOME_OF_STATE[state.value];
    if (outcome) await store.move(state.context.checkin.id, outcome, at);
  };

  /** "Yes" keeps how to reach this conversation under the check-in's reference; "no" withdraws earlier consent. */
  async function consent(key: string, checkinId: string, given: boolean, state: Snapshot, at: string): Promise<void> {
    const record = await store.get(checkinId);
    if (!followUps || !record?.respondentRef) return;
    const hash = refHash(record.respondentRef);
    if (!given) {
      if ((await followUps.reach.get(hash))?.conversationKey === key) await followUps.reach.drop(hash);
      return;
    }
    const { pseudonym, channel } = state.context.checkin;
    await followUps.reach.put(hash, { conversationKey: key, pseudonym, channel, caseRef: record.caseRef, at }, followUps.ttlSeconds);
    await followUps.keep(key, followUps.ttlSeconds);
  }

  async function openDirect(id: string): Promise<{ key: string; info: CheckinInfo } | undefined> {
    const record = CHECKIN_ID.test(id) ? await store.get(id) : undefined;
    const reach = record && (await reachOf(record.respondentRef, record.caseRef));
    const token = reach && sealer.open(record.sealedToken);
    if (!reach || !token) return undefined;
    const r = await attempt(token, { conversationKey: reach.conversationKey, pseudonym: reach.pseudonym, channel: reach.channel });
    return r.ok ? { key: reach.conversationKey, info: r.info } : undefined;
  }

  async function markUnreachable(id: string): Promise<void> {
    const checkin = await get(id);
    if (checkin && !isFinal(checkin.status)) await store.move(id, 'unreachable', now().toISOString());
  }

  return {
    baseUrl, links, create, get, redeem, onEvents, markUnreachable, openDirect,
    invite: (checkin) => (checkin.token === null ? null : inviteLinks(checkin.token, links)),
  };
}
