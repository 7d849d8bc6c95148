/**
 * Cuts a text into pieces of at most `max` characters (a platform's message limit), preferring paragraph, line and word boundaries, never
 * splitting a surrogate pair (an emoji stays whole).
 */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'), window.lastIndexOf(' '));
    if (cut < max / 2) cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (cut === max && code >= 0xd800 && code <= 0xdbff) cut -= 1;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.trim() || parts.length === 0) parts.push(rest);
  return parts.filter((p) => p.trim() !== '');
}
