import type { Engine } from '../conversation/engine.js';
import { tooLong, MAX_TYPED_CHARS } from '../conversation/limits.js';
import { CLOSED_STATES, SETTLED_STATES } from '../conversation/machine.js';
import type { EngineEvent, Input, Prompt, Snapshot, StepResult } from '../conversation/types.js';
import type { Log } from '../delivery/log.js';
import type { Texts } from '../i18n.js';
import type { Saying, SessionStore, Stored } from '../sessions/store.js';
import type { Bank } from '../survey/load.js';
import { LOCALES, type LoadedFlow, type Locale } from '../survey/schema.js';
import type { Delivery } from '../delivery/port.js';
import type { ConversationTimers } from '../sessions/timers.js';
import { apply, effectTable } from './effects.js';
import { answeredOf, type OutboxSender, type Outgoing } from './outbox.js';

/**
 * The turn service: claim the update id and load (one round trip on Redis) → the engine's pure `step` → the
 * effects that must precede the save (responses and safety signals queued, timers planned, "/wis") →
 * compare-and-set save (one more) → the effects after it → observers → prompts back to the channel.
 * Responses and signals are queued before the state that produced them is saved, so a crash in between loses
 * nothing (their ids are stable, the queue ignores a second copy); the channel renders the prompts only after
 * `handle` resolves, so nothing is said that was not saved. A turn given `outbox` has its prompts saved with the
 * state instead (outbox.ts), and the runner hands them to the outbox's sender: the channel answers the platform at
 * once and the sender says them.
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
  /** Save what the turn says in the conversation's outbox, with `via` (the channel's context) to say it by. */
  outbox?: { via?: unknown };
}

export interface TurnResult {
  prompts: Prompt[];
  events: EngineEvent[];
  /** The same update was already handled: acknowledge it and say nothing. */
  duplicate: boolean;
  state: Snapshot | undefined;
  /** The prompts were saved in the outbox with the state: the outbox's sender says them, not the caller. */
  queued?: boolean;
}

/** Redis (or another dependency) is unreachable: tell the respondent to retry, tell the platform 5xx. */
export class RetryLaterError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause });
    this.name = 'RetryLaterError';
  }
}

/**
 * Another part that wants to see turns, subscribed instead of wired in: check-ins read a saved turn's events
 * (awaited, so a check-in's status is current before the turn is answered), metrics time every turn.
 */
export interface TurnObserver {
  saved?(turn: Turn, result: TurnResult): Promise<void>;
  ended?(turn: Turn, outcome: 'ok' | 'duplicate' | 'error', seconds: number, result?: TurnResult): void;
}

export interface RunnerDeps {
  bank: Bank;
  engine: Engine;
  texts: Texts;
  store: SessionStore<Conversation>;
  /** Where responses and safety signals go (see effects.ts for what each event does). */
  delivery: Delivery;
  timers?: ConversationTimers;
  log: Log;
  now?: () => Date;
  /** The language when a conversation has none yet (`DEFAULT_LOCALE`). */
  defaultLocale?: Locale;
  /**
   * Says what turns given `outbox` saved: each save leases the outbox to it when free (it then says the turn
   * without looking first), and it is kicked after every such turn, a duplicate too (what its first copy saved may
   * still wait). Without it, saved words wait for another process's sender.
   */
  sender?: Pick<OutboxSender, 'kick' | 'lease'>;
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
  /** Adds an observer for every later turn. */
  observe(observer: TurnObserver): void;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { bank, engine, store, log, sender } = deps;
  const effects = effectTable(deps);
  const defaultLocale = deps.defaultLocale ?? LOCALES[0];
  const now = deps.now ?? (() => new Date());
  const observers: TurnObserver[] = [];

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

  /**
   * A timer fires at least once and may outlive what it was planned for (a cancel racing a running job, a
   * deleted or finished conversation): then it changes nothing and says nothing.
   */
  const idleTimer = (input: Input, conv: Conversation | undefined) => input.kind === 'timer' && (!conv || SETTLED_STATES.includes(conv.snap.value));

  /** One attempt: undefined when another writer saved first; `queued` as in `TurnResult`, `taken` as in `Saying`. */
  async function stepOnce(turn: Turn, at: Date, claimed: boolean, loaded: Stored<Conversation> | undefined): Promise<
    { duplicate: true } | { duplicate: false; result: StepResult; added: Prompt[]; queued?: boolean; taken?: string[] } | undefined
  > {
    const conv = loaded?.state;
    // A failed claim without a conversation is a copy of a stateless turn — except `open`, the only input that
    // creates one: its first copy may have claimed and died before saving, and compare-and-set on revision 0
    // (with `recent`) already lets exactly one copy of it win.
    if (turn.updateId && (conv?.recent.includes(turn.updateId) || (!claimed && !conv && turn.input.kind !== 'open'))) return { duplicate: true as const };
    if (idleTimer(turn.input, conv)) return { duplicate: false as const, result: { state: conv?.snap, prompts: [], events: [] }, added: [] };
    const flow = flowFor(conv?.snap, turn.input);
    if (!flow) throw new Error('no flow installed');
    const result: StepResult = engine.step(flow, conv?.snap, turn.input, at);
    const lng = result.state?.context.lng ?? conv?.snap.context.lng ?? defaultLocale;
    const added = await apply(effects, 'before', result.events, { key: turn.key, state: result.state, lng, flowOf });
    const recent = turn.updateId ? [...(conv?.recent ?? []).slice(-(RECENT - 1)), turn.updateId] : (conv?.recent ?? []);
    if (!result.state) {
      if (conv) await store.delete(turn.key);
      return { duplicate: false as const, result, added };
    }
    const outgoing = turn.outbox && outgoingOf(result, added, lng, turn.outbox.via);
    const saying: Saying | undefined = outgoing && { entry: JSON.stringify(outgoing), ...(sender ? { lease: sender.lease } : {}) };
    const saved = await store.save(turn.key, { snap: result.state, recent }, loaded?.rev ?? 0, ttlOf(flowOf(result.state)), saying);
    return saved === 'ok' ? { duplicate: false as const, result, added, queued: !!saying, ...(saying?.taken ? { taken: saying.taken } : {}) } : undefined;
  }

  /** What a saved turn says, for the outbox; nothing when it says nothing and changes no message. */
  function outgoingOf(result: StepResult, added: Prompt[], lng: Locale, via: unknown): Outgoing | undefined {
    const answered = answeredOf(result.events);
    const final = !!result.state && CLOSED_STATES.includes(result.state.value);
    const prompts = [...result.prompts, ...added];
    if (!prompts.length && !answered.length && !final) return undefined;
    const checkinId = result.state?.context.checkin.id;
    return { prompts, answered, lng, final, via, ...(checkinId ? { checkinId } : {}) };
  }

  /** Text over the limit is not read at all (not even by the safety check): a kind word, and nothing changes. */
  async function refuseLong(key: string): Promise<TurnResult> {
    const snap = (await store.load(key))?.state.snap;
    const t = deps.texts.t(snap?.context.lng ?? defaultLocale);
    const text = t('tooLong', { max: MAX_TYPED_CHARS, context: snap?.context.checkin.ageBand ?? undefined });
    return { prompts: [{ kind: 'notice', text }], events: [], duplicate: false, state: snap };
  }

  async function run(turn: Turn): Promise<TurnResult> {
    const at = now();
    if (turn.input.kind === 'text' && tooLong(turn.input.text)) return refuseLong(turn.key);
    // Claim and first load in one round trip; a turn without an update id (a timer) only loads.
    const { first: claimed, stored } = turn.updateId ? await store.claim(turn.key, turn.updateId) : { first: true, stored: await store.load(turn.key) };
    let loaded = stored;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) loaded = await store.load(turn.key);
      const r = await stepOnce(turn, at, claimed, loaded);
      if (!r) continue; // another replica saved first: start again from its state
      if (r.duplicate) {
        if (turn.outbox) sender?.kick(turn.key);
        return { prompts: [], events: [], duplicate: true, state: undefined };
      }
      const { state, events } = r.result;
      const lng = state?.context.lng ?? defaultLocale;
      await apply(effects, 'after', events, { key: turn.key, state, lng, flowOf });
      const result = { prompts: [...r.result.prompts, ...r.added], events, duplicate: false, state, queued: !!r.queued };
      for (const o of observers) await o.saved?.(turn, result);
      if (r.queued) sender?.kick(turn.key, r.taken);
      return result;
    }
    throw new Error(`conversation stayed contended after ${MAX_ATTEMPTS} attempts`);
  }

  async function handle(turn: Turn): Promise<TurnResult> {
    const started = performance.now();
    const ended = (outcome: 'ok' | 'duplicate' | 'error', result?: TurnResult) => {
      const seconds = (performance.now() - started) / 1000;
      for (const o of observers) o.ended?.(turn, outcome, seconds, result);
    };
    try {
      const result = await run(turn);
      ended(result.duplicate ? 'duplicate' : 'ok', result);
      return result;
    } catch (err) {
      ended('error');
      log.error({ err: (err as Error).name, reason: (err as Error).message }, 'turn failed');
      throw new RetryLaterError(err);
    }
  }

  return { handle, flowOf, observe: (o) => void observers.push(o) };
}
