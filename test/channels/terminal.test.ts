import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/app.js';
import { runTerminal } from '../../src/channels/terminal.js';
import { loadConfig } from '../../src/config.js';
import { checkAfterSignal } from '../support/after-signal.js';

let core: Core;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'fb-terminal-'));
  core = await createCore(loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, PSEUDONYM_KEY: 'k'.repeat(32) }), pino({ level: 'silent' }));
});
afterAll(() => core.close());

/** Plays a person at the terminal: each time the chat waits ("> "), the next line is typed. */
async function play(lines: readonly string[]): Promise<string> {
  const queue = [...lines];
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    if (screen.endsWith('> ')) setImmediate(() => (queue.length ? input.write(`${queue.shift()}\n`) : input.end()));
  });
  await runTerminal({ runner: core.runner, bank: core.bank, pseudonymise: core.pseudonymise, locale: 'nl', sinkDescription: `${dataDir}/responses.jsonl`, input, output });
  return screen;
}

describe('the terminal chat (embedded default)', () => {
  it('walks through the child check-in and writes the scored response to the JSONL file', async () => {
    const flows = [...core.bank.flows.keys()];
    const pick = String(flows.indexOf('child-checkin') + 1);
    const screen = await play([pick, '2', 'ja', '🙂', 'een beetje', '#1', 'ja', '10', 'niks', 'verstuur']);
    expect(screen).toContain('Vraag 1 van 5');
    expect(screen).toContain('--- scored response (response.completed) ---');
    const lines = readFileSync(join(dataDir, 'responses.jsonl'), 'utf8').trim().split('\n');
    const doc = JSON.parse(lines.at(-1)!);
    expect(doc.flow.id).toBe('child-checkin');
    expect(doc.respondent.ageBand).toBe('teen');
    expect(doc.answers.find((a: { item: string }) => a.item === 'c_safety_path').value).toBe(10);
  });
});

describe('the terminal chat: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const flows = [...core.bank.flows.keys()];
    const pick = String(flows.indexOf('child-checkin') + 1);
    await checkAfterSignal(async (lines) => {
      // The screen between two "> " is what one typed line brought; the first three are the menus and the intro.
      const screen = await play([pick, '1', ...lines]);
      return screen.split('> ').slice(3);
    }, core.texts);
  });
});
