import type { Core } from '../../app.js';
import type { Checkins } from '../../checkins/port.js';
import type { Input, Prompt } from '../../conversation/types.js';
import type { Locale } from '../../survey/schema.js';
import type { Turn, TurnResult } from '../../turns/runner.js';

/**
 * What every channel does with what a person sent, the same on every platform: a turn through the runner, and
 * `start <token>` (an invite's deep link or prefilled message, or typed by hand) redeemed and opened. When the
 * state cannot be read or saved, the person is told to try again and the error goes back to the channel, which
 * answers the platform 5xx so it delivers the update again; a redelivered update is a duplicate and says nothing.
 */

/** `start <token>` as a link prefills it or a person types it; invite tokens are 16–64 of [A-Za-z0-9_-] (≥ 128 bits). */
const START = /^\/?start\s+([A-Za-z0-9_-]{16,64})$/i;
export const startToken = (text: string): string | undefined => START.exec(text.trim())?.[1];

/** How the channel says "try again" where the person is (a toast, a message); it must not throw. */
export type TryAgain = (lng: Locale) => Promise<void>;

export interface Inbound {
  /** One turn; undefined for a duplicate (acknowledge it, say nothing). */
  turn(key: string, input: Input, updateId: string | undefined, tryAgain: TryAgain, outbox?: Turn['outbox']): Promise<TurnResult | undefined>;
  /**
   * Redeems an invite for this conversation and opens its check-in: the turn's result, or the kind refusal to say
   * (unknown, used elsewhere, expired…) in the conversation's language, else `lng`; nothing for a redelivered refusal.
   */
  start(key: string, token: string, by: { pseudonym: string; updateId?: string; lng: Locale; outbox?: Turn['outbox'] }, tryAgain: TryAgain): Promise<{ result?: TurnResult; refusal?: Prompt }>;
  /** The conversation's language, else `hint` (the platform's), for what is said outside a turn. */
  lngOf(key: string, hint: Locale): Promise<Locale>;
}

export function createInbound(core: Pick<Core, 'runner' | 'store' | 'texts'>, checkins: Checkins | undefined, channel: string): Inbound {
  const { runner, store, texts } = core;

  const lngOf = async (key: string, hint: Locale) => (await store.load(key).catch(() => undefined))?.state.snap.context.lng ?? hint;

  async function guarded<T>(work: Promise<T>, key: string, hint: Locale, tryAgain: TryAgain): Promise<T> {
    try {
      return await work;
    } catch (err) {
      await tryAgain(await lngOf(key, hint)).catch(() => undefined);
      throw err;
    }
  }

  async function turn(key: string, input: Input, updateId: string | undefined, tryAgain: TryAgain, outbox?: Turn['outbox']) {
    const hint = ('lng' in input && input.lng) || undefined;
    const r = await guarded(runner.handle({ key, input, ...(updateId ? { updateId } : {}), ...(outbox ? { outbox } : {}) }), key, hint ?? texts.fallback, tryAgain);
    return r.duplicate ? undefined : r;
  }

  return {
    turn,
    lngOf,
    async start(key, token, { pseudonym, updateId, lng, outbox }, tryAgain) {
      const redeemed = checkins
        ? await guarded(checkins.redeem(token, { conversationKey: key, pseudonym, channel }), key, lng, tryAgain)
        : ({ ok: false, reason: 'unknown' } as const);
      if (redeemed.ok) return { result: await turn(key, { kind: 'open', checkin: redeemed.info }, updateId, tryAgain, outbox) };
      if (updateId && !(await guarded(store.seen(key, updateId), key, lng, tryAgain))) return {};
      return { refusal: { kind: 'message', text: texts.t(await lngOf(key, lng))(`invite.${redeemed.reason}`) } };
    },
  };
}
