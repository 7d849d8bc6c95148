import type { InviteLink } from '../checkins/port.js';
import { trimSlash } from '../checkins/links.js';
import type { Config } from '../config.js';
import type { ChannelDefinition } from './kit/port.js';
import { teams } from './teams/index.js';
import { telegram } from './telegram/index.js';
import { web } from './web/index.js';
import { whatsapp } from './whatsapp/index.js';

/**
 * Every channel the bot has, the one place that names them. The order is the invite's: a QR code carries the
 * first link there is (a chat app opens straight from the camera; the web chat is the fallback that always works).
 * A new channel is a folder with an `index.ts` exporting its definition, and a line here.
 */
export const CHANNELS: readonly ChannelDefinition[] = [telegram, teams, whatsapp, web];

/** The invite links of every channel that makes one with this configuration, in the list's order. */
export function inviteLinksFor(config: Config): InviteLink[] {
  const baseUrl = trimSlash(config.PUBLIC_URL ?? `http://127.0.0.1:${config.PORT}`);
  return CHANNELS.flatMap((c) => (c.invite ? [c.invite(config, baseUrl)] : []));
}
