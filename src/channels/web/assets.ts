import { hashedAsset } from '../../http/html.js';

/**
 * The web chat's only style sheet and script, served by the bot itself (the CSP allows nothing else). They live
 * in code rather than beside it so `tsc` output (the Docker image ships `dist/` only) carries them. URLs hold a
 * content hash, so a slow phone caches them for good and still gets a new version the moment it changes.
 *
 * Style: system fonts, sizes in rem (text scales with the browser setting, up to 200 % without loss), answer
 * buttons and links at least 48 × 48 px (tap targets), the primary action (Start, Send) filled and the rest outlined, a focus ring that is always visible, colours at 4.5:1 or more.
 */
const CSS = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:40rem;padding:1rem}
h1{font-size:1.375rem;line-height:1.3;margin:.5rem 0 1rem}
h1.long{font-size:1.125rem;margin:.25rem 0 .5rem}
h2{font-size:1.125rem;margin:0 0 .5rem}
p{margin:0 0 .75rem}
a{color:#0b57b0}
:focus{outline:3px solid #0b57b0;outline-offset:2px}
:focus:not(:focus-visible){outline:none}
:focus-visible{outline:3px solid #0b57b0;outline-offset:2px}
h1:focus,#said:focus{outline:none}
.progress{display:flex;align-items:center;gap:.75rem;color:#4a4a4a;margin:0}
progress{flex:1;height:.5rem;accent-color:#0b57b0}
.said{border-left:4px solid #0b57b0;padding:.5rem .75rem;background:#eef4fb;margin:0 0 1rem}
.notice{color:#4a4a4a;font-size:.9375rem}
.help{border:2px solid #a4262c;border-radius:.5rem;padding:.75rem;margin:0 0 1rem;background:#fdf3f3}
.help ul{list-style:none;padding:0;margin:.5rem 0 0}
.help li{margin:0 0 .75rem}
.help a{display:inline-flex;align-items:center;justify-content:center;font-weight:700;font-size:1.125rem;padding:.5rem .25rem;min-height:3rem;min-width:3rem}
.answers{display:flex;flex-direction:column;gap:.5rem;margin:0 0 1.25rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem}
button{font:inherit;font-size:1.125rem;min-height:3rem;min-width:3rem;padding:.625rem 1rem;border-radius:.5rem;border:2px solid #0b57b0;background:#fff;color:#0b57b0;cursor:pointer;flex:1 1 auto}
button.main{background:#0b57b0;color:#fff;font-weight:700}
button:hover{background:#dce9f8}
button.main:hover{background:#08458c}
.typed{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:0 0 1.25rem}
.typed label{flex:1 1 100%;font-weight:600}
input[type=text],textarea{font:inherit;font-size:1.125rem;flex:1 1 12rem;min-height:3rem;padding:.5rem;border:2px solid #595959;border-radius:.5rem;color:#1a1a1a;background:#fff}
textarea{min-height:6rem;flex-basis:100%}
.typed button{flex:0 1 auto}
footer{border-top:1px solid #767676;padding-top:1rem;margin-top:1rem}
footer form{display:flex;flex-wrap:wrap;gap:.5rem}
footer button{font-size:1rem;border-color:#595959;color:#1a1a1a;flex:0 1 auto}
.small{font-size:.9375rem;color:#4a4a4a}
@media (prefers-reduced-motion:no-preference){html{scroll-behavior:smooth}}
`;

/** Moves focus to what is new: the bot's message when there is one, else the question (WCAG 2.4.3). */
const JS = `(function(){var t=document.getElementById('said')||document.getElementById('q');if(t)t.focus();})();
`;

export const ASSETS = {
  css: hashedAsset('/web', 'style', 'css', 'text/css; charset=utf-8', CSS),
  js: hashedAsset('/web', 'focus', 'js', 'text/javascript; charset=utf-8', JS),
};
