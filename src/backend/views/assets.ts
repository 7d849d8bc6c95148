import { hashedAsset } from '../../http/html.js';

/**
 * The views' style sheet, next to the backend's own: charts scale to the screen (a phone at 360 px too),
 * an overdue signal is marked by a word and a border, not by colour alone, and the data tables under each chart
 * fold away for sighted readers but stay in the page for everyone.
 */
const CSS = `svg.chart{display:block;width:100%;height:auto;max-width:40rem;margin:.5rem 0}
svg.chart text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
figure{margin:0 0 1.5rem}
.plain{list-style:none;padding:0}
figcaption{font-weight:600}
details{margin:.5rem 0 1rem}
summary{cursor:pointer;min-height:2.75rem;padding:.5rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.75rem;list-style:none;padding:0;margin:0 0 1rem}
.cards li{border:1px solid #767676;border-radius:.375rem;padding:.75rem}
.cards a{font-weight:600}
.figure{font-size:1.5rem;font-weight:700;display:block}
.overdue{border-left:4px solid #a4262c;padding-left:.5rem}
.badge{display:inline-block;border:2px solid #a4262c;color:#a4262c;border-radius:.25rem;padding:0 .375rem;font-weight:700;font-size:.875rem}
.signal{border:1px solid #767676;border-radius:.375rem;padding:.75rem;margin:0 0 1rem}
.signal h3{margin-top:0}
.signal dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .75rem;margin:0 0 .5rem}
.signal dt{font-weight:600}
.signal dd{margin:0}
textarea{width:100%;min-height:5rem}
blockquote{margin:.25rem 0;border-left:4px solid #767676;padding:.25rem .75rem}
`;

export const VIEWS_CSS = hashedAsset('/assets', 'views', 'css', 'text/css; charset=utf-8', CSS);
