import { describe, expect, it } from 'vitest';
import { barChart } from '../../../src/backend/views/charts/bar-chart.js';
import { lineChart } from '../../../src/backend/views/charts/line-chart.js';

const day = (d: number) => new Date(Date.UTC(2026, 2, d));
const count = (svg: string, re: RegExp) => svg.match(re)?.length ?? 0;
const series = [
  { name: 'fidelity', points: [{ at: day(1), value: 40 }, { at: day(8), value: 60 }, { at: day(15), value: 80 }] },
  { name: 'safety', points: [{ at: day(1), value: 90 }, { at: day(8), value: null }, { at: day(15), value: 70 }] },
  { name: 'ownership', points: [{ at: day(1), value: 50 }, { at: day(8), value: 50 }, { at: day(15), value: 80 }] },
];

describe('line chart', () => {
  const svg = lineChart({ id: 'c1', title: 'Scores of case <A&B>', desc: 'Three check-ins', series, domain: [0, 100], yLabel: 'score (0–100)' });

  it('is an image named by its title and description, with text escaped', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c1-t c1-d"/);
    expect(svg).toContain('<title id="c1-t">Scores of case &lt;A&amp;B&gt;</title>');
    expect(svg).toContain('<desc id="c1-d">Three check-ins</desc>');
    expect(svg).not.toMatch(/style=/);
  });

  it('draws one marker per scored point and leaves a gap where a point has no score', () => {
    expect(count(svg, /class="marker"/g)).toBe(8);
    const safety = /data-series="safety"[^]*?<\/g>/.exec(svg)![0];
    expect(count(safety, /class="marker"/g)).toBe(2);
    // A gap: the safety line starts twice (two M commands), the others once.
    expect(count(/class="line" d="([^"]*)"/.exec(safety)![1]!, /M/g)).toBe(2);
  });

  it('tells series apart without colour: each its own marker shape, dash pattern and a direct label', () => {
    const markers = [...svg.matchAll(/data-marker="(\w+)"/g)].map((m) => m[1]);
    expect(new Set(markers).size).toBe(3);
    const dashes = [...svg.matchAll(/<path class="line" d="[^"]*" fill="none" stroke-width="2.5"(?: stroke-dasharray="([^"]*)")?/g)].map((m) => m[1] ?? 'solid');
    expect(new Set(dashes).size).toBe(3);
    const shapes = [...svg.matchAll(/data-series="(\w+)"[^>]*>[^]*?<path class="marker" d="([^"]*)"/g)].map((m) => m[2]);
    expect(new Set(shapes).size).toBe(3);
    for (const name of ['fidelity', 'safety', 'ownership']) expect(svg).toMatch(new RegExp(`<text class="label"[^>]*>${name}</text>`));
  });

  it('keeps direct labels apart when the series end on the same value', () => {
    const same = lineChart({ id: 'c2', title: 't', desc: 'd', domain: [0, 100], yLabel: 'score', series: series.map((s) => ({ ...s, points: [{ at: day(1), value: 80 }] })) });
    const ys = [...same.matchAll(/<text class="label" x="[^"]*" y="([^"]*)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    expect(ys).toHaveLength(3);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(16);
  });

  it('labels the value axis with ticks across the domain', () => {
    for (const t of [0, 20, 40, 60, 80, 100]) expect(svg).toMatch(new RegExp(`text-anchor="end">${t}</text>`));
    expect(svg).toContain('score (0–100)');
  });
});

describe('bar chart', () => {
  it('draws one bar per answer, each named with its count and share', () => {
    const svg = barChart({ id: 'b1', title: 'Answers to c_listen', desc: '10 answers', bars: [{ label: 'no', count: 2 }, { label: 'a bit', count: 3 }, { label: 'yes', count: 5 }] });
    expect(count(svg, /<rect /g)).toBe(3);
    expect(svg).toMatch(/>no<\/text>[^]*>2 \(20%\)<\/text>/);
    expect(svg).toMatch(/>yes<\/text>[^]*>5 \(50%\)<\/text>/);
    expect(svg).toContain('<title id="b1-t">Answers to c_listen</title>');
  });
});
