import { symbol, symbolCircle, symbolDiamond, symbolSquare, symbolTriangle, symbolCross, symbolStar, type SymbolType } from 'd3-shape';

/**
 * How one series looks, so it can be told apart without colour: a marker shape, a dash pattern and a colour
 * (Okabe–Ito, safe for colour-blind readers, each 4.5:1 or more on white). Series past the sixth reuse the list.
 */
export interface SeriesStyle {
  marker: string;
  dash: string;
  colour: string;
  shape: SymbolType;
}

const STYLES: SeriesStyle[] = [
  { marker: 'circle', dash: '', colour: '#0b57b0', shape: symbolCircle },
  { marker: 'square', dash: '8 4', colour: '#a4262c', shape: symbolSquare },
  { marker: 'triangle', dash: '2 4', colour: '#1e6b3a', shape: symbolTriangle },
  { marker: 'diamond', dash: '10 4 2 4', colour: '#6b3fa0', shape: symbolDiamond },
  { marker: 'cross', dash: '4 2', colour: '#8a4b00', shape: symbolCross },
  { marker: 'star', dash: '1 3', colour: '#1a1a1a', shape: symbolStar },
];

export const seriesStyle = (index: number): SeriesStyle => STYLES[index % STYLES.length]!;

/** The SVG path of a series' marker, centred on 0,0 (place it with a transform). */
export const markerPath = (style: SeriesStyle, area = 64): string => symbol(style.shape, area)() ?? '';
