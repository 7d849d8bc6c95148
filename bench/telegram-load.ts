/**
 * The Telegram load used by bench/telegram.ts and bench/startup.ts: real bot processes (the composition root,
 * `src/main.ts` or `dist/main.js`, each a child process with its own port on the same Redis database) behind
 * their webhooks, and, in this process, the fake Bot API from test/support plus N respondents who each
 * complete a flow by buttons at once. The bot's core does not share its CPU with the fake or the respondents,
 * as in production, where Telegram is another machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Update } from 'grammy/types';
import { Redis } from 'ioredis';
import { RedisCheckinStore } from '../src/checkins/redis-store.js';
import { createCheckins } from '../src/checkins/service.js';
import { loadBank, type Bank } from '../src/survey/load.js';
import { startFakeBotApi, type FakeBotApi } from '../test/support/fake-bot-api.js';
import { redisUrl } from '../test/support/redis.js';
import { buttonsOf, TgUser } from '../test/channels/telegram-harness.js';

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
  stop(): Promise<void>;
}

/**
 * Starts one bot process with Telegram in webhook mode against `api`, on Redis database `db`;
 * resolves once `/readyz` answers 200. `entry` is what follows `node` (e.g. `['dist/main.js']`).
 */
export async function startBot(opts: { api: FakeBotApi; db: number; entry: string[]; env?: Record<string, string> }): Promise<BotProcess> {
  const port = await freePort();
  const opsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, opts.entry, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), OPS_PORT: String(opsPort), HOST: '127.0.0.1', REDIS_URL: redisUrl(opts.db),
      PSEUDONYM_KEY, TELEGRAM_BOT_TOKEN: opts.api.token, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: opts.api.apiRoot,
      PUBLIC_URL: base, DATA_DIR: mkdtempSync(join(tmpdir(), 'fb-bench-')), ...opts.env,
    },
  });
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`the bot process exited with ${exited} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const readyMs = performance.now() - started;
  return {
    child, url: `${base}/telegram`, readyMs, spawnedAt,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    cpuMs: () => {
      // Fields after the command name: state is the 3rd field of /proc/<pid>/stat, utime and stime the 14th and 15th.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () => new Promise<void>((resolve) => {
      if (exited !== null) return resolve();
      child.once('exit', () => resolve());
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
export function inviter(db: number): Inviter {
  const redis = new Redis(redisUrl(db));
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

/** What a hurried respondent presses next: start, the highest answer (no safety net), "rather not", send. */
function nextTap(u: TgUser): string | undefined {
  const codes = buttonsOf(u.keyboardMessage()).map((b) => b.callback_data.slice(b.callback_data.lastIndexOf('|') + 1));
  const answers = codes.filter((c) => c.startsWith('a:'));
  return codes.includes('st') ? 'st' : (answers.at(-1) ?? ['nc', 'sk', 'sd'].find((c) => codes.includes(c)));
}

export interface LoadResult {
  /** Webhook round trips of the button presses (ms), sorted. */
  latencies: number[];
  answered: number;
  seconds: number;
}

/**
 * `chats` respondents at once, each opening an invite to `flow` and pressing through it; update n of the
 * whole run goes to `urls[n % urls.length]`, so with several bots one chat's updates alternate between them.
 * Like Telegram, a 200 response that names a method is run by the fake (webhook reply).
 */
export async function runChats(opts: { api: FakeBotApi; urls: string[]; inviter: Inviter; chats: number; flow: string }): Promise<LoadResult> {
  const { api, urls } = opts;
  let sent = 0;
  const post = async (update: Update | string) => {
    const res = await postUpdate(urls[sent++ % urls.length]!, typeof update === 'string' ? update : JSON.stringify(update));
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    api.webhookReply(res.body);
    return res;
  };
  const latencies: number[] = [];
  let answered = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.chats }, async (_, i) => {
    const u = new TgUser({ api, post }, { id: 8_000_000 + i, is_bot: false, first_name: 'Sam', language_code: 'nl' });
    await u.start(await opts.inviter.invite(opts.flow));
    for (let code = nextTap(u); code; code = nextTap(u)) {
      const started = performance.now();
      await u.press(code);
      latencies.push(performance.now() - started);
      if (code.startsWith('a:')) answered++;
    }
    if (!u.messages().at(-1)?.text.includes('Bedankt')) throw new Error('a chat did not finish');
  }));
  return { latencies: latencies.sort((a, b) => a - b), answered, seconds: (performance.now() - t0) / 1000 };
}

export { startFakeBotApi };
