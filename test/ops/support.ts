import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { User } from 'grammy/types';
import { buttonsOf, TgUser, type Harness } from '../channels/telegram/harness.js';
import type { FakeBotApi } from '../support/fake-bot-api.js';
import { postUpdate } from '../support/telegram-updates.js';

/**
 * Shared by the operations tests: a webhook receiver that records every delivery attempt, the check-in API as a
 * case system calls it, and a Telegram person who answers whatever is asked, posting to one bot URL or taking
 * turns between several (replicas without a load balancer).
 */

export const WEBHOOK_SECRET = 'test-webhook-secret_0123456789';
export const RESPONSES_SECRET = 'whsec_dGVzdC1yZXNwb25zZXMtc2VjcmV0LTAxMjM0NQ==';
export const API_TOKEN = 'ops-test-api-token-0123456789abcdef';

export interface Attempt {
  id: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  attempts: Attempt[];
  /** Documents answered 2xx, by webhook id, in arrival order (a second copy of an id shows up twice). */
  delivered(): Attempt[];
  /** Resolves once `predicate` holds for the attempts (polling; the test's own timeout bounds it). */
  until(predicate: (attempts: Attempt[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** A backend on 127.0.0.1 answering every POST with `answer()` (default 204). */
export async function startReceiver(answer: (body: Record<string, unknown>) => { status: number; body?: string } = () => ({ status: 204 })): Promise<Receiver> {
  const attempts: Attempt[] = [];
  const ok = new WeakSet<Attempt>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const attempt = { id: String(req.headers['webhook-id']), headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> };
      attempts.push(attempt);
      const { status, body } = answer(attempt.body);
      if (status < 300) ok.add(attempt);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/responses`;
  return {
    url, attempts,
    delivered: () => attempts.filter((a) => ok.has(a)),
    async until(predicate) {
      while (!predicate(attempts)) await new Promise((r) => setTimeout(r, 50));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Creates a check-in through `POST /v1/checkins`; returns its id and the invite token (from the web link). */
export async function createCheckin(base: string, body: Record<string, unknown>, token = API_TOKEN): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/v1/checkins`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = (await res.json()) as { id: string; invite: { webLink: string } };
  if (res.status !== 201) throw new Error(`POST /v1/checkins answered ${res.status}: ${JSON.stringify(json)}`);
  return { id: json.id, token: new URL(json.invite.webLink).pathname.split('/').at(-1)! };
}

export const parentFull = { flow: 'parent-full', caseRef: 'CASE-OPS', respondent: { role: 'parent' } };

/** The code a button carries after its last `|` (`st`, `a:4`, `sd`…). */
const codeOf = (data: string) => data.slice(data.lastIndexOf('|') + 1);

/**
 * A person on Telegram who answers whatever is asked: Send on the review, Start on the intro, an answer button
 * (the highest, which never trips the safety net, or the lowest), else types `freeText`. Each update goes to the
 * next of `urls` in turn.
 */
export class TgPerson extends TgUser {
  readonly opts: { freeText?: string; lowest?: boolean };

  constructor(api: FakeBotApi, urls: string[], user: User, opts: { freeText?: string; lowest?: boolean } = {}) {
    let turn = 0;
    const post = async (update: Parameters<Harness['post']>[0]) => {
      const before = this.messages().at(-1)?.message_id ?? 0;
      const res = await postUpdate(urls[turn++ % urls.length]!, update, WEBHOOK_SECRET);
      if (res.status === 200) await this.next(before);
      return res;
    };
    super({ api, post } as unknown as Harness, user);
    this.opts = opts;
  }

  /**
   * The bot answers the webhook once the turn is saved and says it after, at the chat's pace (its outbox): wait,
   * as a person does, for what comes next — a question newer than message `after`, or the thanks — at most
   * `timeoutMs` (a turn that says nothing new leaves the caller to check what the chat shows).
   */
  async next(after: number, timeoutMs = 15_000): Promise<void> {
    const moved = () => (this.keyboardMessage()?.message_id ?? 0) > after || (this.finished() && this.messages().at(-1)!.message_id > after);
    await this.h.api.until(moved, timeoutMs, this.user.id);
  }

  /** What answering the current question means: a button code, or undefined (type text). */
  choice(): string | undefined {
    const codes = buttonsOf(this.keyboardMessage()).map((b) => codeOf(b.callback_data));
    const answers = codes.filter((c) => c.startsWith('a:'));
    return codes.find((c) => c === 'sd') ?? codes.find((c) => c === 'st') ?? (this.opts.lowest ? answers[0] : answers.at(-1));
  }

  /** Answers the current question; resolves with the webhook's status. */
  async answer(): Promise<number> {
    const code = this.choice();
    return (code ? await this.press(code) : await this.say(this.opts.freeText ?? 'Het gaat goed zo.')).status;
  }

  finished(): boolean {
    return /Bedankt/.test(this.messages().at(-1)?.text ?? '');
  }

  /** Answers until the thank-you; returns the number of turns. */
  async playToEnd(max = 40): Promise<number> {
    let turns = 0;
    for (; !this.finished() && turns < max; turns++) {
      const status = await this.answer();
      if (status !== 200) throw new Error(`webhook answered ${status}`);
    }
    return turns;
  }
}

export interface Gate {
  /** Point the bot's TELEGRAM_API_ROOT here. */
  apiRoot: string;
  /** From now on, calls of these Bot API methods wait until `open()`. */
  close(methods: string[]): void;
  /** Resolves once at least one call waits at the closed gate. */
  holding(): Promise<void>;
  open(): void;
  stop(): Promise<void>;
}

/**
 * A pass-through in front of the fake Bot API that can hold calls: with the bot's sending held, it stays in flight
 * for as long as the test needs (a SIGTERM or SIGKILL arriving mid-send, deterministically). A held call whose
 * caller died meanwhile is dropped, never passed on: Telegram never got it.
 */
export async function startGate(target: string): Promise<Gate> {
  let closed: string[] = [];
  const waiting: Array<() => void> = [];
  const server = createServer((req, res) => {
    let raw = '';
    let gone = false;
    res.on('close', () => (gone = !res.writableEnded));
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', async () => {
      const method = req.url!.slice(req.url!.lastIndexOf('/') + 1);
      if (closed.includes(method)) await new Promise<void>((resolve) => waiting.push(resolve));
      if (gone) return;
      const upstream = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: raw || undefined });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close(methods) {
      closed = methods;
    },
    async holding() {
      while (!waiting.length) await new Promise((r) => setTimeout(r, 10));
    },
    open() {
      closed = [];
      waiting.splice(0).forEach((go) => go());
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What the Dockerfile's final stage holds, in a fresh directory: `npm run build` compiled into its dist/, flows/,
 * locales/, package.json and the dependencies (linked). Nothing else — so a path that reaches for src/ fails here.
 */
export async function buildImage(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fb-image-'));
  await promisify(execFile)('npm', ['run', 'build', '--', '--outDir', join(dir, 'dist')], { cwd: REPO });
  for (const part of ['flows', 'locales', 'package.json']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

export interface BotProcess {
  child: ChildProcess;
  /** JSON log lines from stdout, parsed. */
  logs: Array<Record<string, unknown> & { msg: string }>;
  stderr: string[];
  /** http://127.0.0.1:<port>, once it logged that it listens. */
  base: Promise<string>;
  /** The operations listener (OPS_PORT): /readyz, /metrics. */
  ops: Promise<string>;
  /** The exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  /** Resolves once a line with this message was logged. */
  logged(msg: string): Promise<void>;
}

/** `node dist/main.js` in `dir`, as the image's CMD runs it, with only the given environment (and PATH). */
export function startBotProcess(dir: string, env: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: BotProcess['logs'] = [];
  const stderr: string[] = [];
  let rest = '';
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (rest + c.toString()).split('\n');
    rest = parts.pop()!;
    for (const line of parts) if (line.startsWith('{')) logs.push(JSON.parse(line) as BotProcess['logs'][number]);
  });
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logged = async (msg: string) => {
    while (!logs.some((l) => l.msg === msg)) {
      if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}) before logging "${msg}": ${stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const listening = logged('feedbackbot is listening').then(() => logs.find((l) => l.msg === 'feedbackbot is listening')!);
  const base = listening.then((l) => `http://127.0.0.1:${String(l.port)}`);
  const ops = listening.then((l) => `http://127.0.0.1:${String(l.opsPort)}`);
  // A process that is meant to refuse to start never listens; whoever awaits `base` or `ops` still sees why.
  base.catch(() => {});
  ops.catch(() => {});
  return { child, logs, stderr, base, ops, exit, logged };
}

/** The value of one Prometheus series (0 when absent), from the operations listener at `ops`. */
export async function metric(ops: string, series: string): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
