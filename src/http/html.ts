import { createHash } from 'node:crypto';

/** HTML helpers shared by every page the bot's processes serve (the web chat, the monitoring backend). */

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A style sheet or script served by the process itself (the CSP allows nothing else). */
export interface Asset {
  path: string;
  type: string;
  body: string;
}

/** The URL holds a content hash: a slow phone caches it for good and still gets a new version the moment it changes. */
export const hashedAsset = (dir: string, name: string, ext: string, type: string, body: string): Asset => ({
  path: `${dir}/${name}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`,
  type,
  body,
});
