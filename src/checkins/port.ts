import type { CheckinInfo, EngineEvent, Snapshot } from '../conversation/types.js';
import type { AgeBand, Locale, Role } from '../survey/schema.js';

/**
 * A worker asks a family for feedback: a check-in names the flow, the respondent's role and register, and
 * carries a single-use invite token. Channels redeem the token when the family opens the link; the runner
 * reports what happens next (opened, in progress, completed…) through `onEvents`.
 */

export type CheckinStatus = 'created' | 'opened' | 'in_progress' | 'completed' | 'expired' | 'declined' | 'unreachable';

export interface CheckinRequest {
  flow: string;
  caseRef: string;
  respondent: { role: Role; ageBand?: AgeBand };
  worker?: { firstName?: string };
  locale?: Locale;
  expiresInHours?: number;
  idempotencyKey?: string;
  respondentRef?: string;
  sendAt?: string;
}

export interface Checkin {
  id: string;
  flow: string;
  caseRef: string;
  role: Role;
  ageBand: AgeBand | null;
  /** Never leaves the bot (not in responses, not in GET /v1/checkins/:id). */
  workerFirstName: string | null;
  locale: Locale;
  status: CheckinStatus;
  token: string;
  createdAt: string;
  expiresAt: string;
  /** Status timestamps, e.g. `{ created: …, opened: … }`. */
  history: Partial<Record<CheckinStatus, string>>;
  /** Pseudonymised conversation key it was bound to on redemption. */
  boundTo: string | null;
  respondentRef: string | null;
}

export type RedeemResult =
  | { ok: true; checkin: Checkin; info: CheckinInfo }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export interface Checkins {
  create(req: CheckinRequest, client: string): Promise<{ checkin: Checkin; created: boolean }>;
  get(id: string): Promise<Checkin | undefined>;
  /** Binds the invite to one conversation, once; the same conversation may redeem it again (a reopened link). */
  redeem(token: string, by: { conversationKey: string; pseudonym: string; channel: string }): Promise<RedeemResult>;
  /** Follows the runner's events to move the status forward. */
  onEvents(conversationKey: string, events: EngineEvent[], state: Snapshot | undefined): Promise<void>;
  markUnreachable(id: string): Promise<void>;
}
