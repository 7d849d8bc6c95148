import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/app.js';
import { pressed, renderPrompt, runTerminal } from '../../../src/channels/terminal/channel.js';
import { loadConfig } from '../../../src/config.js';
import { checkAfterSignal } from '../../support/after-signal.js';

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
    const pick = String.fromCharCode(97 + flows.indexOf('child-checkin'));
    const screen = await play([pick, 'b', 'ja', '🙂', 'een beetje', 'a', 'ja', '10', 'niks', 'verstuur']);
    expect(screen).toContain('Vraag 1 van 5');
    expect(screen).toContain('--- scored response (response.completed) ---');
    const lines = readFileSync(join(dataDir, 'responses.jsonl'), 'utf8').trim().split('\n');
    const doc = JSON.parse(lines.at(-1)!);
    expect(doc.flow.id).toBe('child-checkin');
    expect(doc.respondent.ageBand).toBe('teen');
    expect(doc.answers.find((a: { item: string }) => a.item === 'c_safety_path').value).toBe(10);
  });

  it('buttons are letters, so a number on a 0–10 scale is always the value: "1" is 1, "#1" is no button, "b" is the second button', () => {
    const scale = Array.from({ length: 11 }, (_, v) => `a:${v}`);
    expect(pressed('b', scale)).toBe('a:1');
    expect(pressed(' K ', scale)).toBe('a:10');
    expect(pressed('l', scale)).toBeUndefined(); // past the last button: an answer in words, not a press
    expect(pressed('1', scale)).toBeUndefined();
    expect(pressed('#1', scale)).toBeUndefined();
    expect(renderPrompt({ kind: 'question', text: 'Hoe veilig?', buttons: [[{ label: '0', data: 'a:0' }, { label: '1', data: 'a:1' }]] } as never)).toBe('Hoe veilig?\n[a] 0  [b] 1');
  });
});

/** `npm run chat` as a script runs it: stdin, stdout and stderr are pipes; logs would go to `dir`/chat.log. */
const chatProcess = (dir: string) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--chat'], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATA_DIR: dir, PSEUDONYM_KEY: 'k'.repeat(32), LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'],
  });

describe('npm run chat through a pipe', () => {
  it('a script drives it to the end: piped lines are read, EOF ends cleanly (exit 0), logs stay off stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-chat-pipe-'));
    const child = chatProcess(dir);
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const flows = [...core.bank.flows.keys()];
    // everything at once, before a single question was asked; the 0–10 question gets "1" typed (the value 1)
    child.stdin.end([String.fromCharCode(97 + flows.indexOf('child-checkin')), 'b', 'ja', '🙂', 'een beetje', 'a', 'ja', '1', 'niks', 'verstuur', ''].join('\n'));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('--- scored response (response.completed) ---');
    expect(stdout).not.toMatch(/"level":|REDIS_URL is not set/); // log lines went to the file
    expect(readFileSync(join(dir, 'chat.log'), 'utf8')).toContain('REDIS_URL is not set');
    const doc = JSON.parse(readFileSync(join(dir, 'responses.jsonl'), 'utf8').trim().split('\n').at(-1)!);
    expect(doc.answers.find((a: { item: string }) => a.item === 'c_safety_path').value).toBe(1);
  }, 60_000);

  it('input that ends early ends the chat cleanly, without an answer recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-chat-eof-'));
    const child = chatProcess(dir);
    child.stdin.end('a\n'); // a questionnaire picked, then the input ends
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(0);
    expect(existsSync(join(dir, 'responses.jsonl'))).toBe(false);
  }, 60_000);
});

describe('the terminal chat: after the safety net', () => {
  it('shows help first, asks again kindly, and closes with the help lines and no 🌟', async () => {
    const flows = [...core.bank.flows.keys()];
    const pick = String.fromCharCode(97 + flows.indexOf('child-checkin')); // buttons are letters
    await checkAfterSignal(async (lines) => {
      // The screen between two "> " is what one typed line brought; the first three are the menus and the intro.
      const screen = await play([pick, 'a', ...lines]);
      return screen.split('> ').slice(3);
    }, core.texts);
  });
});
