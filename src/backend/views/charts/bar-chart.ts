import { scaleBand, scaleLinear } from 'd3-scale';
import { escapeHtml } from '../../http/layout.js';
import { px, svgFrame } from './svg.js';

export interface Bar {
  label: string;
  count: number;
}

export interface BarChartInput {
  id: string;
  title: string;
  desc: string;
  bars: Bar[];
}

/** Small enough that the text stays legible when a phone scales the chart down to its width. */
const WIDTH = 440;
const ROW = 26;
const LABEL_WIDTH = 180;
const VALUE_WIDTH = 80;

/**
 * A distribution as horizontal bars (one per answer), each named on the left and with its count and share
 * written at its end: the numbers are read, not guessed from a colour or a length. d3-scale places the bars.
 */
export function barChart(input: BarChartInput): string {
  const height = Math.max(1, input.bars.length) * ROW + 8;
  const total = input.bars.reduce((n, b) => n + b.count, 0);
  const y = scaleBand().domain(input.bars.map((_, i) => String(i))).range([4, height - 4]).padding(0.2);
  const x = scaleLinear().domain([0, Math.max(1, ...input.bars.map((b) => b.count))]).range([0, WIDTH - LABEL_WIDTH - VALUE_WIDTH]);
  const rows = input.bars.map((b, i) => {
    const top = y(String(i))!;
    const mid = px(top + y.bandwidth() / 2);
    const share = total ? Math.round((b.count / total) * 100) : 0;
    return `<g class="bar"><text x="${LABEL_WIDTH - 8}" y="${mid}" dy="0.32em" text-anchor="end">${escapeHtml(b.label)}</text>` +
      `<rect x="${LABEL_WIDTH}" y="${px(top)}" width="${px(x(b.count))}" height="${px(y.bandwidth())}" fill="#0b57b0"/>` +
      `<text class="value" x="${px(LABEL_WIDTH + x(b.count) + 6)}" y="${mid}" dy="0.32em">${b.count} (${share}%)</text></g>`;
  }).join('');
  return svgFrame({ id: input.id, title: input.title, desc: input.desc, width: WIDTH, height, body: `<g font-size="13" fill="#1a1a1a">${rows}</g>` });
}
