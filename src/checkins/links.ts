import type { Invite, InviteLink } from './port.js';

/** The invite's links, one field per channel that makes one, in the channel list's order. */
export function inviteLinks(token: string, links: readonly InviteLink[]): Invite {
  const invite: Invite = { token };
  for (const l of links) {
    const url = l.link(token);
    if (url !== undefined) invite[`${l.target}Link`] = url;
  }
  return invite;
}

/**
 * The link a QR code should carry: the one asked for, or else the first there is (a chat app opens straight from
 * a phone camera; the web chat comes last); null when the invite has no link for the target asked for.
 */
export function qrLink(invite: Invite, target?: string): string | null {
  if (target) return invite[`${target}Link`] ?? null;
  return Object.entries(invite).find(([field, url]) => field.endsWith('Link') && url)?.[1] ?? null;
}

/** Loaded on the first QR code, not at start: about 3 MB of resident memory an idle bot does not need (measured). */
export const qrcode = async () => (await import('qrcode')).default;

/** Error correction M (15 %): survives a crease or a smudge on paper, still small for a 60-character link. */
export const qrSvg = async (link: string): Promise<string> => (await qrcode()).toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });

export const qrTerminal = async (link: string): Promise<string> => (await qrcode()).toString(link, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');
