import jsQRModule from 'jsqr';

/** jsqr is CommonJS with an ES default: Node hands over `{ default }`, vitest the function itself. */
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as typeof jsQRModule.default;

/**
 * Reads a QR code back from the SVG `qrcode` draws: one stroked path of horizontal runs (`M x y.5 h n m dx dy h n …`,
 * one module wide) on a white square. The runs become a bitmap, `scale` pixels per module, that `jsqr` decodes.
 */
export function decodeQrSvg(svg: string, scale = 6): string | null {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const d = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1];
  if (!size || !d) throw new Error('not a qrcode SVG');
  const dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const n = args!.trim().split(/[\s,]+/).map(Number);
    if (cmd === 'M') [x, y] = [n[0]!, n[1]!];
    else if (cmd === 'm') [x, y] = [x + n[0]!, y + n[1]!];
    else if (cmd === 'h' || cmd === 'H') {
      const to = cmd === 'h' ? x + n[0]! : n[0]!;
      for (let col = Math.min(x, to); col < Math.max(x, to); col++) dark[Math.floor(y)]![col] = true;
      x = to;
    } else throw new Error(`unexpected path command ${cmd}`);
  }
  const width = size * scale;
  const pixels = new Uint8ClampedArray(width * width * 4);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      const v = dark[Math.floor(py / scale)]![Math.floor(px / scale)] ? 0 : 255;
      pixels.set([v, v, v, 255], (py * width + px) * 4);
    }
  }
  return jsQR(pixels, width, width)?.data ?? null;
}
