import QRCode from 'qrcode';
import type { Invite } from './port.js';

/**
 * Where an invite leads: Telegram's deep link (`https://t.me/<bot>?start=<token>`, when the bot's username is
 * known) and the web chat (`<base>/c/<token>`). The QR code carries the Telegram link when there is one — a phone
 * camera opens the app directly — and the web link otherwise, or on request.
 */
export interface LinkOptions {
  botUsername?: string;
  /** PUBLIC_URL, or the local server's address; no trailing slash needed. */
  baseUrl: string;
}

export function inviteLinks(token: string, { botUsername, baseUrl }: LinkOptions): Invite {
  return {
    token,
    telegramLink: botUsername ? `https://t.me/${botUsername}?start=${token}` : null,
    webLink: `${trimSlash(baseUrl)}/c/${token}`,
  };
}

export type QrTarget = 'telegram' | 'web';

/** The link a QR code should carry; null when Telegram is asked for and there is no bot username. */
export function qrLink(invite: Invite, target?: QrTarget): string | null {
  if (target === 'web') return invite.webLink;
  if (target === 'telegram') return invite.telegramLink;
  return invite.telegramLink ?? invite.webLink;
}

/** Error correction M (15 %): survives a crease or a smudge on paper, still small for a 60-character link. */
export const qrSvg = (link: string): Promise<string> => QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });

export const qrTerminal = (link: string): Promise<string> => QRCode.toString(link, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');
