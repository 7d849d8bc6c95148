import { scaleLinear, scaleUtc } from 'd3-scale';
import { line } from 'd3-shape';
import { escapeHtml } from '../../http/layout.js';
import { markerPath, seriesStyle } from './series-style.js';
import { px, svgFrame } from './svg.js';

export interface LinePoint {
  at: Date;
  /** null: not scored at this point (the line has a gap there). */
  value: number | null;
}

export interface LineSeries {
  name: string;
  points: LinePoint[];
}

export interface LineChartInput {
  /** Unique on the page: the ids of the title and description hang on it. */
  id: string;
  title: string;
  desc: string;
  series: LineSeries[];
  /** The value axis; domain scores run 0–100. */
  domain: [number, number];
  yLabel: string;
}

/** Small enough that the text stays legible when a phone scales the chart down to its width. */
const WIDTH = 480;
const HEIGHT = 280;
const MARGIN = { top: 16, right: 104, bottom: 40, left: 44 };
/** Direct labels closer than this (px) are pushed apart so none overlaps another. */
const LABEL_GAP = 16;

/** Moves label positions (sorted by y) apart to at least LABEL_GAP, keeping them inside the plot. */
function spread(ys: number[], top: number, bottom: number): number[] {
  const out = [...ys];
  for (let i = 1; i < out.length; i++) out[i] = Math.max(out[i]!, out[i - 1]! + LABEL_GAP);
  const overflow = out.length ? out[out.length - 1]! - bottom : 0;
  if (overflow > 0) for (let i = out.length - 1; i >= 0; i--) out[i] = Math.max(top, Math.min(out[i]! - overflow, i < out.length - 1 ? out[i + 1]! - LABEL_GAP : Infinity));
  return out;
}

/**
 * A line chart over time as an SVG string, made on the server with d3-scale (axes, ticks) and d3-shape (lines,
 * markers). Each series has its own marker shape and dash pattern and is named at its last point, so nothing
 * depends on colour; the page puts the same numbers in a table next to it.
 */
export function lineChart(input: LineChartInput): string {
  const times = input.series.flatMap((s) => s.points.map((p) => p.at.getTime()));
  const first = times.length ? Math.min(...times) : 0;
  const last = times.length ? Math.max(...times) : 0;
  // One point in time still needs an axis: widen it by a day either side.
  const pad = first === last ? 86_400_000 : 0;
  const x = scaleUtc().domain([new Date(first - pad), new Date(last + pad)]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const y = scaleLinear().domain(input.domain).range([HEIGHT - MARGIN.bottom, MARGIN.top]).nice();

  const yTicks = y.ticks(5).map((t) => `<g class="tick"><line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${px(y(t))}" y2="${px(y(t))}" stroke="#d0d0d0"/>` +
    `<text x="${MARGIN.left - 6}" y="${px(y(t))}" dy="0.32em" text-anchor="end">${t}</text></g>`).join('');
  const format = x.tickFormat();
  const xTicks = x.ticks(Math.min(6, Math.max(2, new Set(times).size))).map((t) => `<g class="tick"><line x1="${px(x(t))}" x2="${px(x(t))}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom + 5}" stroke="#1a1a1a"/>` +
    `<text x="${px(x(t))}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${escapeHtml(format(t))}</text></g>`).join('');
  const axes = `<g class="axis" font-size="13" fill="#1a1a1a">${yTicks}${xTicks}` +
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#1a1a1a"/>` +
    `<text x="12" y="${MARGIN.top}" transform="rotate(-90 12 ${MARGIN.top})" text-anchor="end">${escapeHtml(input.yLabel)}</text></g>`;

  const path = line<LinePoint>().defined((p) => p.value !== null).x((p) => x(p.at)).y((p) => y(p.value ?? 0));
  const ends: { name: string; y: number; colour: string }[] = [];
  const series = input.series.map((s, i) => {
    const style = seriesStyle(i);
    const points = [...s.points].sort((a, b) => a.at.getTime() - b.at.getTime());
    const marker = markerPath(style);
    const markers = points.filter((p) => p.value !== null).map((p) =>
      `<path class="marker" d="${marker}" transform="translate(${px(x(p.at))},${px(y(p.value!))})"/>`).join('');
    const lastPoint = points.filter((p) => p.value !== null).at(-1);
    if (lastPoint) ends.push({ name: s.name, y: y(lastPoint.value!), colour: style.colour });
    return `<g class="series" data-series="${escapeHtml(s.name)}" data-marker="${style.marker}" stroke="${style.colour}" fill="${style.colour}">` +
      `<path class="line" d="${path(points) ?? ''}" fill="none" stroke-width="2.5"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>${markers}</g>`;
  }).join('');

  ends.sort((a, b) => a.y - b.y);
  const placed = spread(ends.map((e) => e.y), MARGIN.top, HEIGHT - MARGIN.bottom);
  const labels = ends.map((e, i) => `<text class="label" x="${WIDTH - MARGIN.right + 8}" y="${px(placed[i]!)}" dy="0.32em" fill="${e.colour}">${escapeHtml(e.name)}</text>`).join('');

  return svgFrame({ id: input.id, title: input.title, desc: input.desc, width: WIDTH, height: HEIGHT, body: `${axes}${series}<g font-size="14" font-weight="600">${labels}</g>` });
}
