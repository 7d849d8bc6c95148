import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connect.js';
import { Script } from '../redis-script.js';
import type { RespondentErased, ResponseDocument, SafetySignal } from '../survey/payload.js';

export type Document = ResponseDocument | SafetySignal | RespondentErased;
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** What the bot keeps about one delivery in the per-respondent index. */
export interface Entry {
  id: string;
  type: string;
  state: DeliveryState;
  at: string;
}

/** A document that could not be delivered, kept for `replay` or hand delivery (`export`). */
export interface DeadLetter {
  id: string;
  reason: string;
  attempts: number;
  at: string;
  document: Document;
}

/**
 * Everything is kept 30 days at most: long enough for an operator to notice dead letters and for a respondent
 * to see what was sent ("/antwoorden"), short enough to honour data minimisation. Every key below expires.
 */
export const KEEP_SECONDS = 30 * 24 * 60 * 60;

/** Sets a field only while the respondent's index still exists, so a late worker cannot undo "/wis". */
const UPDATE_IF_PRESENT = new Script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`);

const ADD_DEAD = new Script(`
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`);

const BLOCKERS = new Script(`return { redis.call('EXISTS', KEYS[1]), redis.call('HEXISTS', KEYS[2], ARGV[1]) }`);

/**
 * The delivery module's own Redis records beside BullMQ's queues: a per-pseudonym index (states for listFor,
 * dedupe beyond the life of a finished job, forget), dead letters, tombstones of forgotten ids, and the
 * endpoints that answered 410 Gone.
 */
export class Ledger {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private who(pseudonym: string): string {
    return `${this.prefix}:who:${pseudonym}`;
  }
  private deadKey(id: string): string {
    return `${this.prefix}:dead:${id}`;
  }
  private get deadIndex(): string {
    return `${this.prefix}:dead`;
  }
  private tombstone(id: string): string {
    return `${this.prefix}:forgotten:${id}`;
  }
  private get gone(): string {
    return `${this.prefix}:gone`;
  }

  async state(pseudonym: string, id: string): Promise<DeliveryState | undefined> {
    const raw = await this.redis.hget(this.who(pseudonym), id);
    return raw === null ? undefined : (JSON.parse(raw) as Entry).state;
  }

  /** Records a newly queued document; never overwrites what is already known about that id. */
  async recordPending(doc: Document): Promise<void> {
    const key = this.who(doc.respondent.pseudonym);
    await this.redis.multi().hsetnx(key, doc.id, this.entry(doc, 'pending')).expire(key, KEEP_SECONDS).exec();
  }

  /** Moves a known document to a new state; a no-op once the respondent's index was forgotten. */
  async mark(doc: Document, state: DeliveryState): Promise<void> {
    await UPDATE_IF_PRESENT.run(this.redis, [this.who(doc.respondent.pseudonym)], [doc.id, this.entry(doc, state), KEEP_SECONDS]);
  }

  async entries(pseudonym: string): Promise<Entry[]> {
    const all = await this.redis.hgetall(this.who(pseudonym));
    return Object.values(all).map((raw) => JSON.parse(raw) as Entry);
  }

  /** Drops the respondent's index and leaves a tombstone per id, so an attempt already in flight stops there. */
  async forget(pseudonym: string, ids: readonly string[]): Promise<void> {
    const tx = this.redis.multi().del(this.who(pseudonym));
    for (const id of ids) tx.set(this.tombstone(id), '1', 'EX', KEEP_SECONDS).del(this.deadKey(id)).zrem(this.deadIndex, id);
    await tx.exec();
  }

  /** Checked before every attempt, in one round trip: was the id forgotten, did this endpoint answer 410? */
  async blockers(id: string, url: string): Promise<{ forgotten: boolean; gone: boolean }> {
    const [forgotten, gone] = (await BLOCKERS.run(this.redis, [this.tombstone(id), this.gone], [fingerprint(url)])) as [number, number];
    return { forgotten: forgotten === 1, gone: gone === 1 };
  }

  /** Remembers that this URL answered 410, by fingerprint only (a URL may carry a token); a changed URL is not gone. */
  async markGone(url: string): Promise<void> {
    await this.redis.multi().hset(this.gone, fingerprint(url), new Date().toISOString()).expire(this.gone, KEEP_SECONDS).exec();
  }

  async goneEndpoints(): Promise<number> {
    return this.redis.hlen(this.gone);
  }

  /** The operator's replay says "the backend is back": forget every 410. */
  async clearGone(): Promise<void> {
    await this.redis.del(this.gone);
  }

  /**
   * Keeps a dead letter, unless the respondent asked to be forgotten meanwhile (an attempt in flight during `/wis`
   * ends here): false then, and nothing is kept. One script, so a forget cannot slip in between.
   */
  async addDead(letter: DeadLetter): Promise<boolean> {
    const kept = await ADD_DEAD.run(this.redis, [this.deadKey(letter.id), this.deadIndex, this.tombstone(letter.id)], [JSON.stringify(letter), KEEP_SECONDS, Date.parse(letter.at), letter.id]);
    if (kept !== 1) return false;
    await this.mark(letter.document, 'dead');
    return true;
  }

  /** Dead letters, oldest first; `ids` narrows the list. */
  async deadLetters(ids?: readonly string[]): Promise<DeadLetter[]> {
    await this.pruneDead();
    const wanted = ids ?? (await this.redis.zrange(this.deadIndex, '0', '-1'));
    if (wanted.length === 0) return [];
    const raws = await this.redis.mget(wanted.map((id) => this.deadKey(id)));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as DeadLetter]));
  }

  async deadCount(): Promise<number> {
    await this.pruneDead();
    return this.redis.zcard(this.deadIndex);
  }

  /** The index outlives single letters (its TTL is refreshed); drop members whose letter has expired. */
  private async pruneDead(): Promise<void> {
    await this.redis.zremrangebyscore(this.deadIndex, '-inf', Date.now() - KEEP_SECONDS * 1000);
  }

  async removeDead(id: string): Promise<void> {
    await this.redis.multi().del(this.deadKey(id)).zrem(this.deadIndex, id).exec();
  }

  private entry(doc: Document, state: DeliveryState): string {
    return JSON.stringify({ id: doc.id, type: doc.type, state, at: new Date().toISOString() } satisfies Entry);
  }
}

function fingerprint(url: string): string {
  return createHash('sha256').update(url).digest('base64url');
}
