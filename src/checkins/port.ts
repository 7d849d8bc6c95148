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
  teamRef?: string;
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
  /** The worker's team, when the request named one; travels in responses and safety signals. */
  teamRef: string | null;
  role: Role;
  ageBand: AgeBand | null;
  /** Never leaves the bot (not in responses, not in GET /v1/checkins/:id). */
  workerFirstName: string | null;
  locale: Locale;
  status: CheckinStatus;
  /** The invite token; null when it can no longer be unsealed (the sealing key changed since it was made). */
  token: string | null;
  createdAt: string;
  expiresAt: string;
  /** Status timestamps, e.g. `{ created: …, opened: … }`. */
  history: Partial<Record<CheckinStatus, string>>;
  /** Pseudonymised conversation key it was bound to on redemption. */
  boundTo: string | null;
  respondentRef: string | null;
  /** When a direct follow-up is said; its invite expires `expiresInHours` after that. */
  sendAt: string | null;
  /** `direct`: consent for this `respondentRef` and case is on record, the bot writes first (at `sendAt`). */
  delivery: 'direct' | 'invite';
}

/**
 * Where a respondent opens the check-in: one `<channel>Link` per channel that has invite links, in the channel
 * list's order (`telegramLink`, `whatsappLink`, `webLink`; null when the channel cannot make one here).
 */
export type Invite = { token: string } & { [link: `${string}Link`]: string | null | undefined };

/** How a channel makes its invite link (channels/<name>/index.ts); the check-ins service only collects them. */
export interface InviteLink {
  /** The channel's name: the QR code's `target` and the invite field `<target>Link`. */
  target: string;
  /** How people call the platform, for the CLI. */
  label: string;
  /** The link for an invite token; null keeps the field without a link, undefined leaves it out. */
  link(token: string): string | null | undefined;
  /** Why a QR code for this target cannot be drawn when there is no link. */
  missing: string;
}

export type RedeemResult =
  | { ok: true; checkin: Checkin; info: CheckinInfo }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export interface Checkins {
  create(req: CheckinRequest, client: string): Promise<{ checkin: Checkin; created: boolean }>;
  get(id: string): Promise<Checkin | undefined>;
  /** Binds the invite to one conversation, once; the same conversation may redeem it again (a reopened link). */
  redeem(token: string, by: { conversationKey: string; pseudonym: string; channel: string; ip?: string }): Promise<RedeemResult>;
  /** Follows the runner's events to move the status forward. */
  onEvents(conversationKey: string, events: EngineEvent[], state: Snapshot | undefined): Promise<void>;
  markUnreachable(id: string): Promise<void>;
  /** The links of a check-in's invite; null when its token can no longer be unsealed. */
  invite(checkin: Checkin): Invite | null;
}
