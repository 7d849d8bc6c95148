import QRCode from 'qrcode';
import type { Invite } from './port.js';

/**
 * Where an invite leads: Telegram's deep link (`https://t.me/<bot>?start=<token>`, when the bot's username is
 * known), WhatsApp's (`https://wa.me/<number>?text=start%20<token>`, the message prefilled, when the channel is on)
 * and the web chat (`<base>/c/<token>`). The QR code carries the Telegram link when there is one — a phone camera
 * opens the app directly — else the WhatsApp link, else the web link; or the one asked for.
 */
export interface LinkOptions {
  botUsername?: string;
  /** The WhatsApp business number, digits only (`WHATSAPP_NUMBER`), when the channel is on. */
  whatsappNumber?: string;
  /** PUBLIC_URL, or the local server's address; no trailing slash needed. */
  baseUrl: string;
}

export function inviteLinks(token: string, { botUsername, whatsappNumber, baseUrl }: LinkOptions): Invite {
  return {
    token,
    telegramLink: botUsername ? `https://t.me/${botUsername}?start=${token}` : null,
    webLink: `${trimSlash(baseUrl)}/c/${token}`,
    ...(whatsappNumber ? { whatsappLink: `https://wa.me/${whatsappNumber}?text=start%20${token}` } : {}),
  };
}

export const QR_TARGETS = ['telegram', 'whatsapp', 'web'] as const;
export type QrTarget = (typeof QR_TARGETS)[number];

/** The link a QR code should carry; null when a channel is asked for that the invite has no link for. */
export function qrLink(invite: Invite, target?: QrTarget): string | null {
  if (target === 'web') return invite.webLink;
  if (target === 'telegram') return invite.telegramLink;
  if (target === 'whatsapp') return invite.whatsappLink ?? null;
  return invite.telegramLink ?? invite.whatsappLink ?? invite.webLink;
}

/** Error correction M (15 %): survives a crease or a smudge on paper, still small for a 60-character link. */
export const qrSvg = (link: string): Promise<string> => QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });

export const qrTerminal = (link: string): Promise<string> => QRCode.toString(link, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');
