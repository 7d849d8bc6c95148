import { randomUUID } from 'node:crypto';
import type { EngineEvent, Prompt } from '../conversation/types.js';
import type { Log } from '../delivery/log.js';
import { errorSummary } from '../log.js';
import type { Outbox } from '../sessions/store.js';
import type { Locale } from '../survey/schema.js';

/**
 * Answer now, say later, lose nothing. A turn's outgoing messages are saved with its state (one compare-and-set,
 * see SessionStore.save), the platform is answered as soon as that save succeeded, and this sender says them
 * afterwards at the platform's pace: a button press no longer waits for its chat's send slot, and a process that
 * dies between the save and the send leaves the messages where another process (or this one, restarted) finds
 * them. Per conversation one sender at a time (a lease in the store), entries in order, each removed once said:
 * said once, or — only when a sender dies in the middle of saying one — again by the next.
 */

/** One turn's output, as saved in the outbox (JSON). */
export interface Outgoing {
  prompts: Prompt[];
  /** What this turn recorded, per question asked: a channel shows it on the question it answers. */
  answered: Array<Pick<Extract<EngineEvent, { type: 'answer.recorded' }>, 'ask' | 'label'>>;
  lng: Locale;
  checkinId?: string;
  /** The conversation is over (sent, stopped, expired): no keyboard stays pressable. */
  final: boolean;
  /** The channel's own context for saying it (the pressed message…), as it gave it with the turn. */
  via?: unknown;
}

/** What a turn's events recorded, per question asked. */
export const answeredOf = (events: EngineEvent[] = []): Outgoing['answered'] =>
  events.flatMap((e) => (e.type === 'answer.recorded' ? [{ ask: e.ask, label: e.label }] : []));

export interface OutboxSenderOptions {
  outbox: Outbox;
  /**
   * Says one entry in conversation `key`. Resolves once said or given up for good (the channel logs why);
   * throws when it could not be said now: the entry stays and is tried again.
   */
  say(key: string, entry: Outgoing): Promise<void>;
  /** Whether this process has a channel for `key` (a replica may run fewer channels than another). */
  handles(key: string): boolean;
  log: Log;
  /** A sender that stops renewing its lease (it died) is replaced after this. */
  leaseMs?: number;
  /** How often the index is swept for outboxes nobody is saying (a dead sender's, a failed send's). */
  sweepMs?: number;
}

export interface OutboxSender {
  /**
   * Says what waits in `key`'s outbox, in the background; a kick while it runs makes it look again. `taken`: the
   * turn's save leased the outbox to this sender already and read it (`lease` below), so the first look is saved.
   */
  kick(key: string, taken?: string[]): void;
  /** What a turn's save needs to lease the outbox to this sender. */
  lease: { owner: string; ms: number };
  /** Resolves once everything kicked so far was said or left for later. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const LEASE_MS = 10_000;
/** A say that failed (a network error, a flood wait beyond its retries) is tried again this soon, doubling. */
const RETRY_MS = 1_000;
const RETRIES = 3;
const SWEEP_MS = 2_000;
/** Outboxes looked at per sweep. */
const SWEEP_BATCH = 100;

export function createOutboxSender(opts: OutboxSenderOptions): OutboxSender {
  const { outbox, say, handles, log, leaseMs = LEASE_MS, sweepMs = SWEEP_MS } = opts;
  const owner = randomUUID();
  /** How a look at an outbox ended: found empty (the index may drop it), leased to another sender, or failed. */
  type Outcome = 'empty' | 'busy' | 'failed';
  /** Conversations being said by this process; `again`: kicked meanwhile. */
  const active = new Map<string, { again: boolean; done: Promise<Outcome> }>();
  /** Failed says in a row, per conversation (reset once its outbox is found empty). */
  const retries = new Map<string, number>();
  let sweeping: Promise<void> | undefined;
  let closed = false;

  /** Says every entry there is; `taken`: what the turn's save leased to this sender, so the first look is saved. */
  async function drain(key: string, taken?: string[]): Promise<Outcome> {
    const renew = setInterval(() => void outbox.sent(key, owner, 0, leaseMs).catch(() => undefined), leaseMs / 3);
    try {
      for (let first = taken; ; first = undefined) {
        const entries = first ?? (await outbox.take(key, owner, leaseMs));
        if (!entries) return 'busy';
        if (entries.length === 0) {
          retries.delete(key);
          return 'empty';
        }
        for (const raw of entries) {
          await say(key, JSON.parse(raw) as Outgoing);
          if ((await outbox.sent(key, owner, 1, leaseMs)) < 0) return 'busy'; // the lease lapsed: another sender took over
        }
      }
    } catch (err) {
      // Left in the outbox, leased to this process: tried again after 1, 2 and 4 s, then by the sweeps.
      log.warn({ err: errorSummary(err) }, 'outbox: messages could not be said yet; trying again');
      const attempt = (retries.get(key) ?? 0) + 1;
      retries.set(key, attempt);
      if (!closed && attempt <= RETRIES) setTimeout(() => void run(key), RETRY_MS * 2 ** (attempt - 1)).unref();
      return 'failed';
    } finally {
      clearInterval(renew);
    }
  }

  /** Drains `key` until nobody kicked it meanwhile; resolves with how the last look ended. */
  function run(key: string, taken?: string[]): Promise<Outcome> {
    const running = active.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve<Outcome>('busy') };
    state.done = (async () => {
      let outcome: Outcome = 'busy';
      for (let first = taken; state.again && !closed; first = undefined) {
        state.again = false;
        outcome = await drain(key, first);
      }
      active.delete(key);
      return outcome;
    })();
    active.set(key, state);
    return state.done;
  }

  async function sweep(): Promise<void> {
    try {
      for (const { key, since } of await outbox.pending(leaseMs, SWEEP_BATCH)) {
        if (closed) return;
        if (!handles(key) || active.has(key)) continue;
        // Found empty: nothing of it is waiting any more, unless a turn added to it since.
        if ((await run(key)) === 'empty') await outbox.settle(key, since);
      }
    } catch (err) {
      log.warn({ err: errorSummary(err) }, 'outbox: sweep failed');
    }
  }

  async function idle(): Promise<void> {
    while (active.size) await Promise.all([...active.values()].map((a) => a.done));
  }

  const timer = setInterval(() => {
    sweeping ??= sweep().finally(() => (sweeping = undefined));
  }, sweepMs).unref();

  return {
    kick: (key, taken) => void run(key, taken),
    lease: { owner, ms: leaseMs },
    idle,
    async close() {
      closed = true;
      clearInterval(timer);
      await sweeping;
      await idle();
    },
  };
}
