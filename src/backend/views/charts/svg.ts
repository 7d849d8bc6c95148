import { escapeHtml } from '../../http/layout.js';

/** Rounds a coordinate to one decimal: shorter SVG, no visible difference. */
export const px = (n: number): string => String(Math.round(n * 10) / 10);

/**
 * The accessible frame of every chart: an `<svg role="img">` named by its `<title>` and described by its `<desc>`,
 * scaling to its container (the width comes from the style sheet, never an inline style: the CSP forbids those).
 */
export function svgFrame(o: { id: string; title: string; desc: string; width: number; height: number; body: string }): string {
  const id = escapeHtml(o.id);
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${o.width} ${o.height}" role="img" aria-labelledby="${id}-t ${id}-d">` +
    `<title id="${id}-t">${escapeHtml(o.title)}</title><desc id="${id}-d">${escapeHtml(o.desc)}</desc>${o.body}</svg>`;
}
