import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRunner, type Conversation, type Runner, type RunnerDeps, type TurnResult } from '../../src/turns/runner.js';
import type { Input, Prompt } from '../../src/conversation/types.js';
import { FileSink } from '../../src/delivery/sink.js';
import { RedisSessionStore } from '../../src/sessions/redis.js';
import type { SessionStore } from '../../src/sessions/store.js';
import { LOCALES } from '../../src/survey/schema.js';
import { captureLog } from '../delivery/support/wait.js';
import { checkin, loadTestBank } from '../support/engine.js';

/**
 * Runner tests (Redis database 8): a runner on the real Redis store, and a respondent that drives it turn by turn
 * the way a channel would, with platform update ids.
 */

export const shared = loadTestBank();

/** A runner on its own `RedisSessionStore` over `redis`, like one replica; responses go to a JSONL file unless given. */
export function redisRunner(redis: Redis, over: Partial<RunnerDeps> = {}): Runner {
  return createRunner({
    ...shared,
    store: new RedisSessionStore<Conversation>({ redis }),
    delivery: new FileSink(mkdtempSync(join(tmpdir(), 'fb-runner-'))),
    log: captureLog(),
    ...over,
  });
}

/** A fresh conversation key as a channel makes it: `<prefix>:<pseudonym>`. */
export function newConversation(): { key: string; pseudonym: string } {
  const pseudonym = `psd${randomUUID().replaceAll('-', '')}`;
  return { key: `tg:${pseudonym}`, pseudonym };
}

/** Seeded by the clock: processes of one test (test/runner/kill.cases.ts) must not reuse each other's ids. */
let updates = Date.now() * 100;
/** A platform update id, unique across processes and runs (Telegram's are increasing integers). */
export const nextUpdate = (): string => String(updates++);

/** One respondent in one conversation; remembers the newest prompts so a button can be pressed by its label. */
export class Respondent {
  readonly key: string;
  readonly pseudonym: string;
  prompts: Prompt[] = [];

  constructor(public runner: Runner, who = newConversation()) {
    this.key = who.key;
    this.pseudonym = who.pseudonym;
  }

  async send(input: Input, updateId: string | undefined = nextUpdate()): Promise<TurnResult> {
    const r = await this.runner.handle({ key: this.key, input, updateId });
    if (!r.duplicate) this.prompts = r.prompts;
    return r;
  }

  /** The input a redeemed invite to `flowId` makes for this respondent. */
  opening(flowId: string, over: Parameters<typeof checkin>[1] = {}): Input {
    const flow = shared.bank.flows.get(flowId)!;
    return { kind: 'open', checkin: checkin(flow, { pseudonym: this.pseudonym, channel: 'telegram', ...over }) };
  }

  open(flowId: string, over: Parameters<typeof checkin>[1] = {}): Promise<TurnResult> {
    return this.send(this.opening(flowId, over));
  }

  say(text: string): Promise<TurnResult> {
    return this.send({ kind: 'text', text });
  }

  /** The input a tap on the button labelled `label` (of the newest prompt with buttons) would make. */
  button(label: string | RegExp): Input {
    const buttons = [...this.prompts].reverse().find((p) => p.buttons?.length)?.buttons?.flat() ?? [];
    const b = buttons.find((x) => (typeof label === 'string' ? x.label === label : label.test(x.label)));
    if (!b) throw new Error(`no button ${String(label)} in [${buttons.map((x) => x.label).join(' | ')}]`);
    return { kind: 'button', data: b.data };
  }

  press(label: string | RegExp): Promise<TurnResult> {
    return this.send(this.button(label));
  }

  /** Everything the last turn said, joined. */
  get text(): string {
    return this.prompts.map((p) => p.text).join('\n');
  }
}

/** What a conversation holds, for comparisons between runs: state name, position and answers without times. */
export async function summary(store: SessionStore<Conversation>, key: string) {
  const conv = (await store.load(key))?.state;
  if (!conv) return undefined;
  const ctx = conv.snap.context;
  const answers = Object.fromEntries(Object.entries(ctx.answers).map(([item, a]) => [item, { v: a.v, s: a.s, ...(a.c ? { c: a.c } : {}) }]));
  return { value: conv.snap.value, cursor: ctx.cursor, followUp: ctx.followUp, answers, flow: ctx.flow.id };
}

/** "Rather not" (a follow-up) and "Skip", in every language. */
const DECLINE = new Set(LOCALES.flatMap((l) => ['buttons.noComment', 'buttons.skip'].map((k) => shared.texts.t(l)(k))));

/** Answers every remaining question with `label` (or declines what it cannot answer so) until the review. */
export async function answerAll(r: Respondent, label = '4'): Promise<void> {
  for (let turn = 0; turn < 80 && r.prompts.at(-1)?.ask !== 'review'; turn++) {
    const labels = r.prompts.flatMap((p) => p.buttons?.flat() ?? []).map((b) => b.label);
    await r.press(labels.includes(label) ? label : labels.find((l) => DECLINE.has(l)) ?? label);
  }
  if (r.prompts.at(-1)?.ask !== 'review') throw new Error('did not reach the review');
}
