import { hashedAsset } from '../../http/html.js';

/**
 * The backend's style sheet, served by the backend itself (the CSP allows nothing else); the URL holds a content
 * hash. System fonts, sizes in rem, a visible focus ring, colours at 4.5:1 or more; tables scroll on a phone.
 */
const CSS = `*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0 auto;max-width:64rem;padding:1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;border-bottom:1px solid #767676;padding-bottom:.5rem;margin-bottom:1rem}
header nav ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;margin:0;padding:0}
header form{margin-left:auto}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
a{color:#0b57b0}
:focus-visible{outline:3px solid #0b57b0;outline-offset:2px}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select,textarea{font:inherit;min-height:2.75rem;padding:.375rem .5rem;border:2px solid #595959;border-radius:.375rem;color:#1a1a1a;background:#fff;max-width:100%}
button{font:inherit;min-height:2.75rem;padding:.375rem 1rem;border-radius:.375rem;border:2px solid #0b57b0;background:#0b57b0;color:#fff;cursor:pointer}
button.quiet{background:#fff;color:#0b57b0}
.error{border-left:4px solid #a4262c;background:#fdf3f3;padding:.5rem .75rem}
.notice{border-left:4px solid #0b57b0;background:#eef4fb;padding:.5rem .75rem}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.375rem .5rem;border-bottom:1px solid #c8c8c8;vertical-align:top}
.small{font-size:.9375rem;color:#4a4a4a}
`;

export const BACKEND_CSS = hashedAsset('/assets', 'backend', 'css', 'text/css; charset=utf-8', CSS);
