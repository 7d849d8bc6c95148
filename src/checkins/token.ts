import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Invite tokens and check-in ids. A token is 24 random bytes (192 bits) as 32 base64url characters — within
 * Telegram's deep-link limit of 64 `[A-Za-z0-9_-]`, far beyond guessing. Stores index it by SHA-256 only and keep
 * the token itself sealed (AES-256-GCM), so the QR code can be drawn again while a Redis dump leaks no usable link.
 */

export const newToken = (): string => randomBytes(24).toString('base64url');

/** `chk_` + 16 random base64url characters (96 bits): ids appear in URLs and payloads, they are not secrets. */
export const newCheckinId = (): string => `chk_${randomBytes(12).toString('base64url')}`;

export const CHECKIN_ID = /^chk_[A-Za-z0-9_-]{16}$/;
/** What may be a token at all; anything else is refused before a lookup. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

export interface Sealer {
  seal(token: string): string;
  /** Null when the token was sealed with another key (a restart without a fixed secret) or tampered with. */
  open(sealed: string): string | null;
}

/** The key is derived from `secret` (HKDF, own label), so one configured secret can serve several purposes. */
export function createSealer(secret: string): Sealer {
  const key = Buffer.from(hkdfSync('sha256', secret, 'feedbackbot', 'checkin invite token seal', 32));
  return {
    seal(token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}
