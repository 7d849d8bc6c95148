import type { Delivery } from '../delivery/port.js';
import type { Log } from '../delivery/log.js';
import type { Texts } from '../i18n.js';
import type { ConversationTimers } from '../sessions/timers.js';
import type { SessionStore } from '../sessions/store.js';
import type { Bank } from '../survey/load.js';
import type { LoadedFlow } from '../survey/schema.js';
import type { Engine } from './engine.js';
import type { EngineEvent, Input, Prompt, Snapshot, StepResult } from './types.js';

/**
 * One turn, end to end: load → `engine.step` → compare-and-set save → hand prompts back to the channel.
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
  /** Called after a saved turn for events other parts care about (check-in status, metrics). */
  onEvents?: (key: string, events: EngineEvent[], state: Snapshot | undefined) => Promise<void>;
}

const RECENT = 20;
const MAX_ATTEMPTS = 8;
/** Keep a conversation a day past its flow's lifetime, so a late writer is told kindly that it expired. */
const GRACE_SECONDS = 24 * 3600;

export interface Runner {
  handle(turn: Turn): Promise<TurnResult>;
  flowOf(snap: Snapshot): LoadedFlow;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { bank, engine, store, delivery, log } = deps;
  const now = deps.now ?? (() => new Date());

  function flowOf(snap: Snapshot): LoadedFlow {
    const { id, version } = snap.context.flow;
    const flow = bank.versions.get(`${id}@${version}`) ?? bank.flows.get(id);
    if (!flow) throw new Error(`flow ${id} is no longer installed`);
    return flow;
  }

  function flowFor(state: Snapshot | undefined, input: Input): LoadedFlow | undefined {
    if (input.kind === 'open' && (!state || ['done', 'stopped', 'expired'].includes(state.value))) return bank.flows.get(input.checkin.flow);
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

  async function stepOnce(turn: Turn, at: Date, claimed: boolean) {
    const loaded = await store.load(turn.key);
    const conv = loaded?.state;
    if (turn.updateId && (conv?.recent.includes(turn.updateId) || (!claimed && !conv))) return { duplicate: true as const };
    const flow = flowFor(conv?.snap, turn.input);
    if (!flow) throw new Error('no flow installed');
    let result: StepResult = engine.step(flow, conv?.snap, turn.input, at);
    const replace = result.events.find((e) => e.type === 'checkin.replace');
    if (replace?.type === 'checkin.replace') {
      const next = bank.flows.get(replace.pending.flow)!;
      const fresh = engine.step(next, undefined, { kind: 'open', checkin: replace.pending }, at);
      result = { state: fresh.state, prompts: [...result.prompts, ...fresh.prompts], events: [...result.events, ...fresh.events] };
    }
    await queueOutgoing(result.events);
    const recent = turn.updateId ? [...(conv?.recent ?? []).slice(-(RECENT - 1)), turn.updateId] : (conv?.recent ?? []);
    if (!result.state) {
      if (conv) await store.delete(turn.key);
      return { duplicate: false as const, result, flow };
    }
    const saved = await store.save(turn.key, { snap: result.state, recent }, loaded?.rev ?? 0, ttlOf(flowOf(result.state)));
    return saved === 'ok' ? { duplicate: false as const, result, flow: flowOf(result.state) } : undefined;
  }

  async function afterSave(key: string, result: StepResult, flow: LoadedFlow, at: Date): Promise<Prompt[]> {
    const extra: Prompt[] = [];
    const t = deps.texts.t(result.state?.context.lng ?? 'nl');
    for (const e of result.events) {
      if (e.type === 'checkin.opened' && deps.timers) {
        const { reminders, lifetimeHours } = flow;
        const start = at.getTime();
        const times = Array.from({ length: reminders.count }, (_, i) => start + (i + 1) * reminders.afterHours * 3600_000);
        await deps.timers.plan(key, { reminders: times, expireAt: start + lifetimeHours * 3600_000 });
      }
      if ((e.type === 'response.completed' || e.type === 'response.partial') && deps.timers) await deps.timers.cancel(key);
      if (e.type === 'data.delete') {
        if (deps.timers) await deps.timers.cancel(key);
        const { alreadySent } = await delivery.forget(e.pseudonym);
        extra.push({ kind: 'message', text: [t('delete.done'), ...(alreadySent ? [t('delete.alreadySent', { count: alreadySent })] : [])].join('\n') });
      }
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

  async function handle(turn: Turn): Promise<TurnResult> {
    const at = now();
    try {
      const claimed = turn.updateId ? await store.seen(turn.key, turn.updateId) : true;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const r = await stepOnce(turn, at, claimed);
        if (!r) continue; // another replica saved first: start again from its state
        if (r.duplicate) return { prompts: [], events: [], duplicate: true, state: undefined };
        const extra = await afterSave(turn.key, r.result, r.flow, at);
        return { prompts: [...r.result.prompts, ...extra], events: r.result.events, duplicate: false, state: r.result.state };
      }
      throw new Error(`conversation stayed contended after ${MAX_ATTEMPTS} attempts`);
    } catch (err) {
      log.error({ err: (err as Error).name, msg: (err as Error).message }, 'turn failed');
      throw new RetryLaterError(err);
    }
  }

  return { handle, flowOf };
}
