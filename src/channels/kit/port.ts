import type { FastifyInstance } from 'fastify';
import type { Core } from '../../app.js';
import type { Checkins, InviteLink } from '../../checkins/port.js';
import type { RateLimiter } from '../../checkins/rate-limit.js';
import type { Config } from '../../config.js';
import type { Pace } from './lanes.js';

/**
 * The one port between the bot and a platform. Each channel folder exports a `ChannelDefinition`; the channel
 * list (../list.ts) is the only place that names them, and the server, invites and outbound sending read it.
 */

/** What a channel is given when the bot starts it. */
export interface ChannelContext {
  core: Core;
  /** The one HTTP server: a channel registers its webhook routes on it. */
  app: FastifyInstance;
  checkins: Checkins;
  /** The shared counters (invite redemption, the API, whatever a channel limits). */
  limiter: RateLimiter;
  /** Counts a request that was not a well-formed update (acknowledged and ignored). */
  onMalformed(): void;
  /** Counts a platform's error code for a message it refused or could not deliver. */
  onError(code: string): void;
  /** Per-chat pacing instead of the platform's limits (the bench sets it to show the server alone). */
  pace?: Pace;
}

/** A running channel. */
export interface Channel {
  /** Said in the start-up line (`webhook`, `polling`, `on`). */
  mode: string;
  /** Work that needs the server listening (registering a webhook, long polling). */
  start?(): Promise<void>;
  /** Waits for work done after an acknowledgement (what is said after the platform was answered). */
  settled?(): Promise<void>;
  stop(): Promise<void>;
}

/** A kind of Redis key the channel writes; src/ops/retention.ts holds every key found after the tests to its kind. */
export interface ChannelKeyKind {
  kind: string;
  pattern: RegExp;
  holds: string;
  /** A conversation's time, or as long as consent to follow-ups keeps it. */
  lives: 'conversation' | 'consent';
  /** Whether the value may hold answer text at all. */
  answers: boolean;
}

export interface ChannelDefinition {
  name: string;
  /** The Redis keys it writes beside the conversation. */
  keys?: ChannelKeyKind[];
  /** Whether the configuration turns it on. */
  enabled(config: Config): boolean;
  /** Whether it needs a platform account (the web chat does not: `npm start` then prints a demo link). */
  account: boolean;
  create(ctx: ChannelContext): Promise<Channel>;
  /** Its invite link, also when the channel is off in this process (the CLI makes invites for the bot). */
  invite?(config: Config, baseUrl: string): InviteLink;
}
