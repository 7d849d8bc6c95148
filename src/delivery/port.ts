import type { ResponseDocument, SafetySignal } from '../survey/payload.js';
/** Where responses leave the bot. BullMQ on Redis in production; a JSONL file as the embedded default. */
export interface Delivery {
  /** Durably queues a response; resolves only once it is safe (the respondent is thanked after this). Same id twice = no-op. */
  enqueueResponse(doc: ResponseDocument): Promise<void>;
  /** Queues a safety signal to go out at once (own queue). */
  enqueueSafety(signal: SafetySignal): Promise<void>;
  /** What was queued/sent for this respondent pseudonym: for "/antwoorden" (transparency). */
  listFor(pseudonym: string): Promise<Array<{ id: string; type: string; state: 'pending' | 'delivered' | 'dead'; at: string }>>;
  /**
   * Removes every not-yet-delivered document of this respondent ("/wis") and, with a webhook, queues a signed
   * `respondent.erased` event so the backend deletes what it received; returns how many were removed and how
   * many were already delivered.
   */
  forget(pseudonym: string): Promise<{ removed: number; alreadySent: number }>;
  close(): Promise<void>;
}
