/**
 * The Telegram load used by bench/telegram.ts, bench/startup.ts and bench/peer.ts: real bot processes (the
 * composition root, `src/main.ts` or `dist/main.js`, or the grammY peers of bench/peer.ts, each a child process
 * with its own port on a Redis database) behind their webhooks, and, in this process, the fake Bot API from
 * test/support plus N respondents who each complete a flow by buttons, all at once, a few at a time, or arriving
 * at a pace. The bot's core does not share its CPU with the fake or the respondents, as in production, where
 * Telegram is another machine. Every run ends by a deadline or says what it was waiting for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Update } from 'grammy/types';
import { RedisCheckinStore } from '../src/checkins/redis-store.js';
import { connectRedis } from '../src/redis/connect.js';
import { createCheckins } from '../src/checkins/service.js';
import { loadBank, type Bank } from '../src/survey/load.js';
import { startFakeBotApi, type FakeBotApi } from '../test/support/fake-bot-api.js';
import { redisUrl } from '../test/support/redis.js';
import { buttonsOf, TgUser } from '../test/channels/telegram/harness.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'bench-webhook-secret_0123456789';
const PSEUDONYM_KEY = 'b'.repeat(32);

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
export const round = (n: number) => Math.round(n * 10) / 10;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export interface BotProcess {
  child: ChildProcess;
  url: string;
  /** Epoch milliseconds of the spawn, to compare with the fake's call times. */
  spawnedAt: number;
  /** From spawn to the first `GET /readyz` that answers 200. */
  readyMs: number;
  /** Resident set size now, from /proc (Linux). */
  rssMb(): number;
  /** CPU time (user + system) the process has used so far, from /proc (Linux; 10 ms resolution). */
  cpuMs(): number;
  /** The bot's own warnings and errors so far (its JSON log lines of level warn and up, from its stdout). */
  problems(): string[];
  stop(): Promise<void>;
}

/** Bot processes still running: killed when this process ends, however it ends, so no bench leaves one behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));

/** How long a bot may take to become ready, and to stop after SIGTERM before it is killed. */
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts one bot process with Telegram in webhook mode against `api`, on Redis database `db`;
 * resolves once `/readyz` answers 200. `entry` is what follows `node` (e.g. `['dist/main.js']`).
 * The bot's stdout (its JSON log) goes to a file, so a bench that fails can say what the bot complained of.
 */
/** Where the bots keep their state: a logical database of the local Redis, or a Redis Cluster's seed nodes. */
export type BenchRedis = number | { clusterNodes: string[] };
const redisEnv = (db: BenchRedis) => (typeof db === 'number' ? { REDIS_URL: redisUrl(db) } : { REDIS_CLUSTER_NODES: db.clusterNodes.join(',') });

export async function startBot(opts: { api: FakeBotApi; db: BenchRedis; entry: string[]; env?: Record<string, string> }): Promise<BotProcess> {
  const port = await freePort();
  const opsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const spawnedAt = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-bench-'));
  const logFile = join(dataDir, 'bot.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, opts.entry, {
    cwd: ROOT,
    stdio: ['ignore', log, 'inherit'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), OPS_PORT: String(opsPort), HOST: '127.0.0.1', ...redisEnv(opts.db),
      PSEUDONYM_KEY, TELEGRAM_BOT_TOKEN: opts.api.token, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: opts.api.apiRoot,
      PUBLIC_URL: base, DATA_DIR: dataDir, ...opts.env,
    },
  });
  closeSync(log);
  running.add(child);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
    running.delete(child);
  });
  const problems = () => readFileSync(logFile, 'utf8').split('\n').filter((line) => /"level":(4|5|6)0/.test(line));
  for (;;) {
    if (exited !== null) throw new Error(`the bot process (${opts.entry.join(' ')}) exited with ${exited} before it was ready; its complaints: ${problems().join(' ') || 'none'}`);
    if (performance.now() - started > READY_TIMEOUT_MS) {
      child.kill('SIGKILL');
      throw new Error(`the bot process (${opts.entry.join(' ')}) did not answer GET /readyz with 200 within ${READY_TIMEOUT_MS} ms`);
    }
    const ok = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await sleep(5);
  }
  const readyMs = performance.now() - started;
  return {
    child, url: `${base}/telegram`, readyMs, spawnedAt, problems,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    cpuMs: () => {
      // Fields after the command name: state is the 3rd field of /proc/<pid>/stat, utime and stime the 14th and 15th.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () => new Promise<void>((resolve) => {
      if (exited !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    }),
  };
}

/** What the bench asks of a worker: an invite token per respondent. */
export interface Inviter {
  invite(flow: string): Promise<string>;
  close(): Promise<void>;
}

/** Issues invites as a worker would: the check-in service on the bots' Redis database. */
export function inviter(db: BenchRedis): Inviter {
  const redis = connectRedis(typeof db === 'number' ? { REDIS_URL: redisUrl(db) } : { REDIS_CLUSTER_NODES: db.clusterNodes })!;
  const bank: Bank = loadBank({ flowDirs: [`${ROOT}flows`], localeDirs: [`${ROOT}locales`] });
  const checkins = createCheckins({ store: new RedisCheckinStore({ redis }), bank, defaultLocale: 'nl', secret: PSEUDONYM_KEY });
  return {
    async invite(flow) {
      const { checkin } = await checkins.create({ flow, caseRef: 'CASE-B', respondent: { role: bank.flows.get(flow)!.audience.role } }, 'bench');
      return checkin.token!;
    },
    close: async () => void (await redis.quit()),
  };
}

/**
 * POSTs an update as Telegram does (JSON, secret header) on kept-alive connections. node:http rather than
 * `fetch`: undici's fetch costs this process (which also plays the Bot API) more CPU than the bot's server.
 */
const agent = new Agent({ keepAlive: true });
function postUpdate(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-telegram-bot-api-secret-token': SECRET },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * How long a respondent waits for what a press causes once the webhook has answered, before calling it lost: a bot
 * may answer first and say after (feedbackbot's outbox), at one message per second per chat.
 */
const LOST_MS = 10_000;

/** What a hurried respondent presses next: start, the highest answer (no safety net), "rather not", send. */
function nextTap(u: TgUser): string | undefined {
  const codes = buttonsOf(u.keyboardMessage()).map((b) => b.callback_data.slice(b.callback_data.lastIndexOf('|') + 1));
  const answers = codes.filter((c) => c.startsWith('a:'));
  return codes.includes('st') ? 'st' : (answers.at(-1) ?? ['nc', 'sk', 'sd'].find((c) => codes.includes(c)));
}

export interface LoadOptions {
  api: FakeBotApi;
  /** Update n of the whole run goes to `urls[n % urls.length]`. */
  urls: string[];
  inviter: Inviter;
  flow: string;
  chats: number;
  /** Telegram user (and chat) id of the first respondent, the others following (default 8,000,000): runs on one bot use fresh chats. */
  firstChat?: number;
  /** Closed loop: at most this many chats in progress at once, the next starting when one finishes (default: all). */
  concurrency?: number;
  /** Open loop: chat i starts `i × startEveryMs` after the first, whether or not earlier ones are done. */
  startEveryMs?: number;
  /** The respondent reads this long before each press (default 0: a closed loop with no think time). */
  thinkMs?: number;
  /** Each chat stops (and stays open) after this many answered items: to look at the store halfway. */
  stopAfterItems?: number;
  /** The whole run ends by then: past it, it fails naming every unfinished chat and what it waited for. */
  timeoutMs: number;
  /** What the last message of a finished chat says (default the Dutch "Bedankt"). */
  thanks?: string;
  /** More to say when the run fails (the bots' own warnings). */
  explain?: () => string[];
}

export interface LoadResult {
  /** Webhook round trips of the button presses (ms), sorted: how long Telegram waits for the bot. */
  latencies: number[];
  /** From a press to the next question (or the thanks) on screen (ms), sorted: how long the respondent waits. */
  shown: number[];
  /** `shown` of the n-th answered item (index n - 1) over all chats, in the order they came. */
  byItem: number[][];
  answered: number;
  presses: number;
  /** Turns the bot answered 200 but never said (the chat got stuck until the respondent tapped /start). */
  lost: number;
  /** Presses on a message the respondent had pressed before (its keyboard came back or stayed): the first few are told on stderr. */
  repeats: number;
  seconds: number;
}

/** What one respondent is doing, and since when: the report of a chat that did not finish. */
interface Progress {
  doing: string;
  since: number;
  presses: number;
}

/** The newest messages of a chat as a respondent sees them: text (shortened) and the buttons they carry. */
function screen(u: TgUser): string {
  return u.messages().slice(-3).map((m) => {
    const buttons = buttonsOf(m).map((b) => b.callback_data.slice(b.callback_data.lastIndexOf('|') + 1));
    return `#${m.message_id} "${m.text.slice(0, 50).replace(/\s+/g, ' ')}${m.text.length > 50 ? '…' : ''}"${buttons.length ? ` [${buttons.join(' ')}]` : ''}`;
  }).join(', ') || 'no message at all';
}

/**
 * Respondents opening an invite to `flow` and pressing through it, closed loop (`concurrency` at once) or open
 * loop (`startEveryMs`). Like Telegram, a 200 response that names a method is run by the fake (webhook reply).
 * Two times per press: the webhook's round trip (`latencies`: how long Telegram waits) and the time until the next
 * question or the thanks is on screen (`shown`: how long the person waits), which is later when a bot answers
 * first and says after; the respondent presses only once it is there.
 * A chat is finished when no button is left and its newest message is the thanks. The run either finishes or
 * fails saying, per chat, what it waited for, how long, and what the chat showed. A turn whose messages never
 * came is counted in `lost` (see `next` below), so a bot that sometimes loses what it says still gets measured.
 */
export async function runChats(opts: LoadOptions): Promise<LoadResult> {
  const { api, urls, thanks = 'Bedankt' } = opts;
  let sent = 0;
  const post = async (update: Update | string) => {
    const res = await postUpdate(urls[sent++ % urls.length]!, typeof update === 'string' ? update : JSON.stringify(update));
    if (res.status !== 200) throw new Error(`the webhook answered ${res.status}`);
    api.webhookReply(res.body);
    return res;
  };
  const latencies: number[] = [];
  const shown: number[] = [];
  const byItem: number[][] = [];
  const progress: Progress[] = [];
  const users: TgUser[] = [];
  let answered = 0;
  let lost = 0;
  let repeats = 0;
  let aborted = false;
  const finished = (u: TgUser) => !!u.messages().at(-1)?.text.includes(thanks);
  const t0 = performance.now();
  const step = (p: Progress, doing: string) => Object.assign(p, { doing, since: performance.now() });
  const report = (i: number) => {
    const p = progress[i]!;
    return `chat ${i}: ${p.doing} for ${Math.round(performance.now() - p.since)} ms, after ${p.presses} presses; it shows ${screen(users[i]!)}`;
  };
  /** The bots log asynchronously: a moment's wait lets a complaint written as the webhook answered reach its file. */
  const failure = async (what: string) => {
    await sleep(250);
    return new Error([what, ...(opts.explain?.() ?? [])].join('\n'));
  };

  async function chat(i: number): Promise<void> {
    const p: Progress = { doing: 'getting an invite', since: performance.now(), presses: 0 };
    progress[i] = p;
    const u = new TgUser({ api, post }, { id: (opts.firstChat ?? 8_000_000) + i, is_bot: false, first_name: 'Sam', language_code: 'nl' });
    users[i] = u;
    try {
      const token = await opts.inviter.invite(opts.flow);
      let items = 0;
      const pressed = new Set<number>();
      /** Nothing new to press: the newest keyboard was pressed before, or there is none and no thanks either. */
      const waiting = () => {
        const m = u.keyboardMessage();
        return m ? pressed.has(m.message_id) : !finished(u);
      };
      /** `/start`, then what it causes on screen (a bot may say it after answering). */
      const start = async (with_?: string) => {
        await u.start(with_);
        await api.until(() => !waiting(), LOST_MS, u.user.id);
      };
      step(p, 'waiting for the answer to /start');
      await start(token);
      /**
       * What to press next. A chat still showing nothing new LOST_MS after the webhook answered lost the turn's
       * messages (saved, never said): the respondent taps /start, which asks the open question again, and the loss
       * is counted and told with the bot's complaints. A keyboard pressed before that is still the newest then is
       * pressed again (`repeats`).
       */
      const next = async (): Promise<string | undefined> => {
        if (!waiting()) return nextTap(u);
        const screenBefore = screen(u);
        if (nextTap(u)) return nextTap(u);
        step(p, `waiting for the answer to a bare /start: nothing to press after press ${p.presses}`);
        await start();
        lost++;
        console.error(JSON.stringify({ lostTurn: `chat ${i} after press ${p.presses}`, shown: screenBefore, botSays: opts.explain?.() ?? [] }));
        return nextTap(u);
      };
      for (let code = await next(); code && !aborted; code = await next()) {
        if (opts.stopAfterItems !== undefined && items >= opts.stopAfterItems) return void step(p, 'left open on purpose');
        if (opts.thinkMs) {
          step(p, `reading before pressing "${code}"`);
          await sleep(opts.thinkMs);
        }
        step(p, `waiting for the webhook's answer to pressing "${code}" (press ${p.presses + 1})`);
        const target = u.keyboardMessage()!.message_id;
        if (pressed.has(target)) {
          repeats++;
          if (repeats <= 3) console.error(JSON.stringify({ pressedAgain: `chat ${i}, press ${p.presses + 1} ("${code}") on message #${target}, pressed before`, shown: screen(u) }));
        }
        pressed.add(target);
        const started = performance.now();
        await u.press(code);
        const ms = performance.now() - started;
        p.presses++;
        step(p, `waiting for what press ${p.presses} ("${code}") causes; the webhook answered after ${Math.round(ms)} ms`);
        await api.until(() => !waiting(), LOST_MS, u.user.id);
        const seen = performance.now() - started;
        latencies.push(ms);
        shown.push(seen);
        if (code.startsWith('a:')) {
          answered++;
          (byItem[items] ??= []).push(seen);
          items++;
        }
      }
    } catch (err) {
      throw await failure(`${report(i)}: ${(err as Error).message}`);
    }
    if (aborted) return;
    if (!finished(u)) throw await failure(`${report(i)}: no button left to press, and the newest message is not the thanks`);
    step(p, 'finished');
  }

  const chats = Array.from({ length: opts.chats }, (_, i) => i);
  let work: Promise<unknown>;
  if (opts.startEveryMs !== undefined) {
    work = Promise.all(chats.map(async (i) => {
      await sleep(i * opts.startEveryMs!);
      if (!aborted) await chat(i);
    }));
  } else {
    const queue = [...chats];
    work = Promise.all(Array.from({ length: Math.min(opts.concurrency ?? opts.chats, opts.chats) }, async () => {
      for (let i = queue.shift(); i !== undefined && !aborted; i = queue.shift()) await chat(i);
    }));
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      aborted = true;
      const open = progress.flatMap((p, i) => (p.doing === 'finished' || p.doing === 'left open on purpose' ? [] : [report(i)]));
      const waiting = opts.chats - progress.length;
      reject(await failure([
        `the run did not finish within ${opts.timeoutMs} ms: ${open.length} chats unfinished${waiting ? `, ${waiting} not started` : ''}`,
        ...open,
      ].join('\n')));
    }, opts.timeoutMs);
  });
  try {
    await Promise.race([work, deadline]);
  } catch (err) {
    aborted = true;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { latencies: latencies.sort((a, b) => a - b), shown: shown.sort((a, b) => a - b), byItem, answered, presses: latencies.length, lost, repeats, seconds: (performance.now() - t0) / 1000 };
}

export { startFakeBotApi, type FakeBotApi };
