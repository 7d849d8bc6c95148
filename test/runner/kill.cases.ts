import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { newConversation, shared } from './support.js';

/**
 * A process killed with SIGKILL in the middle of a questionnaire (issue 4, "checked by"): a new process resumes
 * at the same item with every earlier answer. The first process answers without pausing for long, so the kill
 * may land inside a turn (between load, save and reply) as well as between two.
 */
const SCRIPT = fileURLToPath(new URL('./kill-child.ts', import.meta.url));
const env = { ...process.env, REDIS_URL: redisUrl(8), DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-kill-')) };

type Saved = { saved: number; item: string; value: number };

function child(mode: 'answer' | 'resume', who: { key: string; pseudonym: string }) {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT, mode, who.key, who.pseudonym], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
  return { proc, lines, exited };
}

/** Registers the cases for the SIGKILLed process; run from core.test.ts, one file with the others that start a core. */
export function killCases(): void {
  describe('runner: a process SIGKILLed mid-questionnaire (real Redis, two processes)', () => {
    it('the next process resumes at the same item with every earlier answer', async () => {
      const who = newConversation();
      const first = child('answer', who);
      const printed: Saved[] = [];
      const killed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no third answer within 20 s: ${JSON.stringify(printed)}`)), 20_000);
        first.lines.on('line', (line) => {
          printed.push(JSON.parse(line) as Saved);
          if (printed.length === 3) {
            first.proc.kill('SIGKILL');
            clearTimeout(timer);
            resolve();
          }
        });
      });
      try {
        await killed;
      } finally {
        if (first.proc.exitCode === null) first.proc.kill('SIGKILL');
      }
      expect(await first.exited).toBe('SIGKILL');

      const second = child('resume', who);
      const [line] = await Promise.race([
        (async () => { for await (const l of second.lines) return [l]; return []; })(),
        new Promise<string[]>((_, reject) => setTimeout(() => reject(new Error('resume printed nothing within 20 s')), 20_000)),
      ]);
      expect(await second.exited).toBe(0);
      const resumed = JSON.parse(line!) as { ask: string; answers: Record<string, { v: number; s: string }> };

      const items = shared.bank.flows.get('parent-full')!.items.map((i) => i.id);
      const answered = Object.keys(resumed.answers);
      // Every answer the killed process reported is kept, with its value; at most the one turn it was in beyond.
      for (const p of printed) expect(resumed.answers[p.item]).toMatchObject({ v: p.value, s: 'a' });
      expect(answered.length).toBeGreaterThanOrEqual(3);
      expect(answered).toEqual(items.slice(0, answered.length));
      // …and it asks the first item without an answer: where the killed process was.
      expect(resumed.ask).toBe(items[answered.length]);
    });
  });
}
