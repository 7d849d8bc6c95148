import type { Prompt } from '../../conversation/types.js';
import type { Outgoing } from '../../turns/outbox.js';
import type { Log } from '../../delivery/log.js';
import type { Texts } from '../../i18n.js';
import type { Locale } from '../../survey/schema.js';
import { answeredCard, cardActivity, questionCard, textActivity, type OutgoingActivity } from './cards.js';
import { isUnreachable } from './pace.js';
import type { TeamsRecords } from './records.js';

/**
 * Says a turn's prompts in a Teams conversation: questions as cards, everything else as short text messages.
 * Only one card is live per conversation: when a question is answered (typed or pressed), or a new question card
 * replaces it, the previous card is updated in place to show the chosen answer and no buttons, so it cannot be
 * answered again. Its activity id is kept in the conversation's record (records.ts).
 *
 * `io` is the conversation as the SDK exposes it during a turn or a proactive continuation; calls to it are
 * already paced and retried (pace.ts).
 */

export interface ConversationIo {
  /** Sends an activity; resolves with the id the Connector gave it. */
  send(activity: OutgoingActivity): Promise<string | undefined>;
  update(activityId: string, activity: OutgoingActivity): Promise<void>;
}

export interface Speaker {
  say(key: string, io: ConversationIo, prompts: Prompt[], answered: Outgoing['answered'], lng: Locale): Promise<void>;
}

export function createSpeaker(deps: { records: TeamsRecords; texts: Texts; log: Log }): Speaker {
  const { records, texts, log } = deps;

  /** Closing the old card is cosmetic: if Teams refuses the update (deleted message…), the turn goes on. */
  async function close(io: ConversationIo, id: string, activity: OutgoingActivity): Promise<void> {
    try {
      await io.update(id, activity);
    } catch (err) {
      if (isUnreachable(err)) throw err;
      log.warn({ status: (err as { statusCode?: number }).statusCode }, 'teams: could not close the previous card');
    }
  }

  return {
    async say(key, io, prompts, answered, lng) {
      const t = texts.t(lng);
      const { card } = await records.get(key);
      const asksAgain = prompts.some((p) => p.kind === 'question');
      const answer = card ? answered.find((a) => a.ask === card.ask) : undefined;
      if (card && (answer || asksAgain)) {
        const chosen = answer ? t('answer.chosen', { label: answer.label ?? t('teams:card.answered') }) : null;
        await close(io, card.id, cardActivity(answeredCard(card, chosen)));
        if (!asksAgain) await records.setCard(key, null);
      }
      for (const p of prompts) {
        if (p.kind !== 'question' || !p.ask) {
          await io.send(textActivity(p.text));
          continue;
        }
        const progress = p.progress ? t('progress', p.progress) : undefined;
        const q = questionCard(p, progress);
        const id = await io.send(cardActivity(q.card));
        if (id) await records.setCard(key, { id, ask: p.ask, text: q.text, ...(progress ? { progress } : {}) });
      }
    },
  };
}
