import type { Delivery } from '../delivery/port.js';
import type { Log } from '../delivery/log.js';
import type { Texts } from '../i18n.js';
import type { ConversationTimers } from '../sessions/timers.js';
import type { SessionStore, Stored } from '../sessions/store.js';
import type { Bank } from '../survey/load.js';
import { LOCALES, type LoadedFlow, type Locale } from '../survey/schema.js';
import type { Engine } from './engine.js';
import { tooLong, MAX_TYPED_CHARS } from './limits.js';
import { SETTLED_STATES } from './machine.js';
import type { EngineEvent, Input, Prompt, Snapshot, StepResult } from './types.js';

/**
 * One turn, end to end: claim the update id and load (one round trip on Redis) → `engine.step` → compare-and-set
 * save (one more) → hand prompts back to the channel.
 * Responses and safety signals are queued *before* the state that produced them is saved, so a crash in
 * between loses nothing (their ids are stable, the queue ignores a second copy); the channel renders the
 * prompts only after `handle` resolves, so nothing is said that was not saved.
 */

/** What is kept per conversation: the engine's snapshot and the platform update ids it already applied. */
export interface Conversation {
  snap: Snapshot;
  /** Recent update ids: a redelivery racing its first copy is recognised atomically with the save. */
  recent: string[];
}

export interface Turn {
  /** Pseudonymised conversation key (channel + keyed hash of the chat id); never a platform id. */
  key: string;
  input: Input;
  /** Platform update id (Telegram `update_id`, Bot Framework `activity.id`), for duplicate protection. */
  updateId?: string;
}

export interface TurnResult {
  prompts: Prompt[];
  events: EngineEvent[];
  /** The same update was already handled: acknowledge it and say nothing. */
  duplicate: boolean;
  state: Snapshot | undefined;
}

/** Redis (or another dependency) is unreachable: tell the respondent to retry, tell the platform 5xx. */
export class RetryLaterError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause });
    this.name = 'RetryLaterError';
  }
}

export interface RunnerDeps {
  bank: Bank;
  engine: Engine;
  texts: Texts;
  store: SessionStore<Conversation>;
  delivery: Delivery;
  timers?: ConversationTimers;
  log: Log;
  now?: () => Date;
  /** Factor applied to every flow timer (reminders, lifetime): `TIMER_SCALE`, for tests and drills. Default 1. */
  timerScale?: number;
  /** Called after a saved turn for events other parts care about (check-in status, metrics). */
  onEvents?: (key: string, events: EngineEvent[], state: Snapshot | undefined) => Promise<void>;
  /** The language when a conversation has none yet (`DEFAULT_LOCALE`). */
  defaultLocale?: Locale;
}

const RECENT = 20;
/**
 * A turn loses a compare-and-set only when another turn of the same conversation saved, so it retries at most
 * once per concurrent turn: 10 double taps delivered to two replicas need up to 19. 8 was too few (proved by
 * test/runner/races.test.ts); 32 covers any burst one respondent can make.
 */
const MAX_ATTEMPTS = 32;
/** Keep a conversation a day past its flow's lifetime, so a late writer is told kindly that it expired. */
const GRACE_SECONDS = 24 * 3600;

export interface Runner {
  handle(turn: Turn): Promise<TurnResult>;
  flowOf(snap: Snapshot): LoadedFlow;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { bank, engine, store, delivery, log } = deps;
  const defaultLocale = deps.defaultLocale ?? LOCALES[0];
  const now = deps.now ?? (() => new Date());
  const hourMs = 3600_000 * (deps.timerScale ?? 1);

  function flowOf(snap: Snapshot): LoadedFlow {
    const { id, version } = snap.context.flow;
    const flow = bank.versions.get(`${id}@${version}`) ?? bank.flows.get(id);
    if (!flow) throw new Error(`flow ${id} is no longer installed`);
    return flow;
  }

  function flowFor(state: Snapshot | undefined, input: Input): LoadedFlow | undefined {
    if (input.kind === 'open' && (!state || SETTLED_STATES.includes(state.value))) return bank.flows.get(input.checkin.flow);
    return state ? flowOf(state) : bank.flows.values().next().value;
  }

  const ttlOf = (flow: LoadedFlow) => Math.ceil(flow.lifetimeHours * 3600 + GRACE_SECONDS);

  /** Queues what must leave the bot before the state that produced it is saved. */
  async function queueOutgoing(events: EngineEvent[]): Promise<void> {
    for (const e of events) {
      if (e.type === 'safety.signal') await delivery.enqueueSafety(e.signal);
      if (e.type === 'response.completed' || e.type === 'response.partial') await delivery.enqueueResponse(e.response);
    }
  }

  /**
   * A timer fires at least once and may outlive what it was planned for (a cancel racing a running job, a
   * deleted or finished conversation): then it changes nothing and says nothing.
   */
  const idleTimer = (input: Input, conv: Conversation | undefined) => input.kind === 'timer' && (!conv || SETTLED_STATES.includes(conv.snap.value));

  async function stepOnce(turn: Turn, at: Date, claimed: boolean, loaded: Stored<Conversation> | undefined) {
    const conv = loaded?.state;
    // A failed claim without a conversation is a copy of a stateless turn — except `open`, the only input that
    // creates one: its first copy may have claimed and died before saving, and compare-and-set on revision 0
    // (with `recent`) already lets exactly one copy of it win.
    if (turn.updateId && (conv?.recent.includes(turn.updateId) || (!claimed && !conv && turn.input.kind !== 'open'))) return { duplicate: true as const };
    if (idleTimer(turn.input, conv)) return { duplicate: false as const, result: { state: conv?.snap, prompts: [], events: [] }, extra: [] };
    const flow = flowFor(conv?.snap, turn.input);
    if (!flow) throw new Error('no flow installed');
    let result: StepResult = engine.step(flow, conv?.snap, turn.input, at);
    const replace = result.events.find((e) => e.type === 'checkin.replace');
    if (replace?.type === 'checkin.replace') {
      const next = bank.flows.get(replace.pending.flow)!;
      const fresh = engine.step(next, undefined, { kind: 'open', checkin: replace.pending }, at);
      result = { state: fresh.state, prompts: [...result.prompts, ...fresh.prompts], events: [...result.events, ...fresh.events] };
    }
    // Expiry is silent: the respondent is told kindly when they write again.
    if (turn.input.kind === 'timer' && turn.input.timer === 'expire') result = { ...result, prompts: [] };
    await queueOutgoing(result.events);
    const extra = await beforeSave(turn.key, result, at, result.state?.context.lng ?? conv?.snap.context.lng ?? defaultLocale);
    const recent = turn.updateId ? [...(conv?.recent ?? []).slice(-(RECENT - 1)), turn.updateId] : (conv?.recent ?? []);
    if (!result.state) {
      if (conv) await store.delete(turn.key);
      return { duplicate: false as const, result, extra };
    }
    const saved = await store.save(turn.key, { snap: result.state, recent }, loaded?.rev ?? 0, ttlOf(flowOf(result.state)));
    return saved === 'ok' ? { duplicate: false as const, result, extra } : undefined;
  }

  /**
   * Effects that must not be lost when the save (or delete) that follows fails: a failed turn is redelivered and
   * stepped again, but one that was saved is a duplicate from then on, so nothing after the save is repeated.
   * Timers are planned here, and "/wis" removes queued documents and timers before the conversation itself.
   */
  async function beforeSave(key: string, result: StepResult, at: Date, lng: Locale): Promise<Prompt[]> {
    const extra: Prompt[] = [];
    for (const e of result.events) {
      if (e.type === 'checkin.opened' && deps.timers && result.state) {
        const { reminders, lifetimeHours } = flowOf(result.state);
        const start = at.getTime();
        const times = Array.from({ length: reminders.count }, (_, i) => start + (i + 1) * reminders.afterHours * hourMs);
        await deps.timers.plan(key, { reminders: times, expireAt: start + lifetimeHours * hourMs });
      }
      if (e.type === 'data.delete') {
        if (deps.timers) await deps.timers.cancel(key);
        const { alreadySent } = await delivery.forget(e.pseudonym);
        const t = deps.texts.t(lng); // the respondent's language: the state is already gone
        extra.push({ kind: 'message', text: [t('delete.done'), ...(alreadySent ? [t('delete.alreadySent', { count: alreadySent })] : [])].join('\n') });
      }
    }
    return extra;
  }

  async function afterSave(key: string, result: StepResult): Promise<Prompt[]> {
    const extra: Prompt[] = [];
    for (const e of result.events) {
      if ((e.type === 'response.completed' || e.type === 'response.partial') && deps.timers) await deps.timers.cancel(key);
      if (e.type === 'data.show' && result.state) extra.push(await dataPrompt(result.state, e.pseudonym));
    }
    if (deps.onEvents) await deps.onEvents(key, result.events, result.state);
    return extra;
  }

  /** "/antwoorden": what the bot holds about this respondent and what it sent. */
  async function dataPrompt(snap: Snapshot, pseudonym: string): Promise<Prompt> {
    const ctx = snap.context;
    const flow = flowOf(snap);
    const t = deps.texts.t(ctx.lng);
    const o = { context: ctx.checkin.ageBand ?? undefined };
    const answered = flow.items.filter((it) => ctx.answers[it.id]);
    const lines = [
      t('data.title'),
      t('data.conversation', { title: t(`flows:${flow.id}.title`, o), status: t(`data.status.${snap.value}`, { defaultValue: snap.value }), language: t(`language.${ctx.lng}`), since: ctx.openedAt.slice(0, 10) }),
      t('data.answers', { count: answered.length }),
      ...answered.map((it) => {
        const a = ctx.answers[it.id]!;
        return `• ${engine.render.question(flow, ctx, it.id)} → ${engine.render.label(flow, ctx, it, a.v, a.s) ?? String(a.v)}`;
      }),
    ];
    const sent = await delivery.listFor(pseudonym);
    if (sent.length) lines.push(t('data.sent', { list: sent.map((s) => `${s.type} (${s.state}, ${s.at.slice(0, 10)})`).join(', ') }));
    lines.push(t('data.noName'));
    return { kind: 'message', text: lines.join('\n') };
  }

  /** Text over the limit is not read at all (not even by the safety check): a kind word, and nothing changes. */
  async function refuseLong(key: string): Promise<TurnResult> {
    const snap = (await store.load(key))?.state.snap;
    const t = deps.texts.t(snap?.context.lng ?? defaultLocale);
    const text = t('tooLong', { max: MAX_TYPED_CHARS, context: snap?.context.checkin.ageBand ?? undefined });
    return { prompts: [{ kind: 'notice', text }], events: [], duplicate: false, state: snap };
  }

  async function handle(turn: Turn): Promise<TurnResult> {
    const at = now();
    try {
      if (turn.input.kind === 'text' && tooLong(turn.input.text)) return await refuseLong(turn.key);
      // Claim and first load in one round trip; a turn without an update id (a timer) only loads.
      const { first: claimed, stored } = turn.updateId ? await store.claim(turn.key, turn.updateId) : { first: true, stored: await store.load(turn.key) };
      let loaded = stored;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        if (attempt > 1) loaded = await store.load(turn.key);
        const r = await stepOnce(turn, at, claimed, loaded);
        if (!r) continue; // another replica saved first: start again from its state
        if (r.duplicate) return { prompts: [], events: [], duplicate: true, state: undefined };
        const extra = [...r.extra, ...(await afterSave(turn.key, r.result))];
        return { prompts: [...r.result.prompts, ...extra], events: r.result.events, duplicate: false, state: r.result.state };
      }
      throw new Error(`conversation stayed contended after ${MAX_ATTEMPTS} attempts`);
    } catch (err) {
      log.error({ err: (err as Error).name, reason: (err as Error).message }, 'turn failed');
      throw new RetryLaterError(err);
    }
  }

  return { handle, flowOf };
}
