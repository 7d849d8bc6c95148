import type { Log } from '../../../src/delivery/log.js';

/** Polls until `done()` holds; every wait in these tests is bounded and fails with what it was waiting for. */
export async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Line {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

/** A logger that keeps every line, so tests can wait on events and check that nothing sensitive was logged. */
export function captureLog(): Log & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Line['obj'], msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
