import type { Engine } from '../conversation/engine.js';
import type { EngineEvent, Prompt, Snapshot } from '../conversation/types.js';
import type { Delivery } from '../delivery/port.js';
import type { ConversationTimers } from '../sessions/timers.js';
import type { LoadedFlow, Locale } from '../survey/schema.js';

/**
 * What the host does with each engine event, one handler per event type (as goflow's host applies events).
 * `before` runs before the turn's state is saved: what must not be lost when the save fails (a failed turn is
 * stepped again; a saved one is a duplicate from then on, so nothing after the save is repeated). `after` runs
 * once the state is saved, and adds nothing to what the turn says: a turn's words are saved with its state (the
 * outbox). A `before` handler may add a prompt to what the turn says.
 */
export interface EffectContext {
  key: string;
  /** The state the turn saved (undefined when the conversation was deleted). */
  state: Snapshot | undefined;
  /** The respondent's language, also when the state is gone. */
  lng: Locale;
  flowOf(snap: Snapshot): LoadedFlow;
}

type Handler<E, R> = (event: E, ctx: EffectContext) => Promise<R>;
export type EffectTable = {
  [T in EngineEvent['type']]?: { before?: Handler<Extract<EngineEvent, { type: T }>, Prompt | void>; after?: Handler<Extract<EngineEvent, { type: T }>, void> };
};

export interface EffectDeps {
  engine: Engine;
  delivery: Delivery;
  timers?: ConversationTimers;
}

export function effectTable({ engine, delivery, timers }: EffectDeps): EffectTable {
  const queueResponse = {
    before: async (e: { response: Parameters<Delivery['enqueueResponse']>[0] }) => {
      await delivery.enqueueResponse(e.response);
    },
  };
  return {
    'safety.signal': {
      before: async (e) => {
        await delivery.enqueueSafety(e.signal);
      },
    },
    'response.completed': queueResponse,
    'response.partial': queueResponse,
    'timers.plan': {
      before: async (e, { key }) => {
        await timers?.plan(key, { reminders: e.reminders, expireAt: e.expireAt });
      },
    },
    'timers.cancel': {
      after: async (_, { key }) => {
        await timers?.cancel(key);
      },
    },
    // "/wis": queued documents and timers go before the conversation itself.
    'data.delete': {
      before: async (e, { key, lng }) => {
        await timers?.cancel(key);
        const { alreadySent } = await delivery.forget(e.pseudonym);
        return engine.render.deleted(lng, alreadySent);
      },
    },
    'data.show': {
      before: async (e, { state, flowOf }) => (state ? engine.render.held(flowOf(state), state, await delivery.listFor(e.pseudonym)) : undefined),
    },
  };
}

/** Applies one phase of the table to a turn's events, in their order; returns the prompts the handlers added. */
export async function apply(table: EffectTable, phase: 'before' | 'after', events: EngineEvent[], ctx: EffectContext): Promise<Prompt[]> {
  const added: Prompt[] = [];
  for (const e of events) {
    const handler = table[e.type]?.[phase] as Handler<EngineEvent, Prompt | void> | undefined;
    const prompt = handler && (await handler(e, ctx));
    if (prompt) added.push(prompt);
  }
  return added;
}
