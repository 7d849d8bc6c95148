/** Two lanes, each its own BullMQ queue: a backlog of responses must never hold up a safety signal. */
export const LANES = { response: 'responses', safety: 'safety' } as const;
export type Lane = keyof typeof LANES;

/** Takes a document or a ledger entry: the type alone decides. */
export function laneOf(doc: { type: string }): Lane {
  return doc.type === 'safety.signal' ? 'safety' : 'response';
}

/** The name of the custom BullMQ backoff strategy that follows the Standard Webhooks schedule. */
export const BACKOFF_TYPE = 'standard-webhooks';
