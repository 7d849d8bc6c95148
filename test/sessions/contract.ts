import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Saying, SessionStore } from '../../src/sessions/store.js';

/** A state shaped like a questionnaire in progress: writers append to `ids`. */
export interface Doc {
  ids: string[];
  note?: string;
}

export interface ContractSubject {
  /** Two handles on the same storage, like two replicas (the memory store can only offer itself twice). */
  replicas: [SessionStore<Doc>, SessionStore<Doc>];
  /** Lets `ms` pass for TTLs: the memory store moves its clock, Redis really waits (≤ 1.2 s). */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

export const newKey = (): string => `conv-${randomUUID()}`;

/** load → append `id` → save, starting over from a fresh load on conflict; returns the number of conflicts. */
export async function appendId(store: SessionStore<Doc>, key: string, id: string): Promise<number> {
  for (let conflicts = 0; conflicts < 100; conflicts++) {
    const current = await store.load(key);
    const next = { ids: [...(current?.state.ids ?? []), id] };
    if ((await store.save(key, next, current?.rev ?? 0, 60)) === 'ok') return conflicts;
  }
  throw new Error(`writer ${id} lost 100 races in a row`);
}

/** The behaviour every `SessionStore` must share; run once per implementation. */
export function sessionStoreContract(name: string, setup: () => Promise<ContractSubject>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: SessionStore<Doc>;

    beforeAll(async () => {
      subject = await setup();
      store = subject.replicas[0];
    });
    afterAll(() => subject?.close());

    it('loads nothing for a key never saved', async () => {
      expect(await store.load(newKey())).toBeUndefined();
    });

    it('creates with expectedRev 0, then advances one revision per save', async () => {
      const key = newKey();
      expect(await store.save(key, { ids: ['a'] }, 0, 60)).toBe('ok');
      expect(await store.load(key)).toEqual({ state: { ids: ['a'] }, rev: 1 });
      expect(await store.save(key, { ids: ['a', 'b'] }, 1, 60)).toBe('ok');
      expect(await store.load(key)).toEqual({ state: { ids: ['a', 'b'] }, rev: 2 });
    });

    it('refuses a stale revision and keeps the stored state', async () => {
      const key = newKey();
      await store.save(key, { ids: ['a'] }, 0, 60);
      await store.save(key, { ids: ['b'] }, 1, 60);
      expect(await store.save(key, { ids: ['stale'] }, 1, 60)).toBe('conflict');
      expect(await store.save(key, { ids: ['future'] }, 3, 60)).toBe('conflict');
      expect(await store.load(key)).toEqual({ state: { ids: ['b'] }, rev: 2 });
    });

    it('refuses to create a key that exists, and to update one that does not', async () => {
      const key = newKey();
      expect(await store.save(key, { ids: ['first'] }, 0, 60)).toBe('ok');
      expect(await store.save(key, { ids: ['second'] }, 0, 60)).toBe('conflict');
      const missing = newKey();
      expect(await store.save(missing, { ids: [] }, 1, 60)).toBe('conflict');
      expect(await store.load(missing)).toBeUndefined();
      expect((await store.load(key))?.state).toEqual({ ids: ['first'] });
    });

    it('hands out copies: changing a loaded state changes nothing stored', async () => {
      const key = newKey();
      await store.save(key, { ids: ['a'] }, 0, 60);
      const loaded = await store.load(key);
      loaded?.state.ids.push('mutated');
      expect((await store.load(key))?.state).toEqual({ ids: ['a'] });
    });

    it('refuses a TTL that would drop the state at once, and a state that is not JSON', async () => {
      const key = newKey();
      await expect(store.save(key, { ids: [] }, 0, 0)).rejects.toThrow(/ttlSeconds/);
      await expect(store.save(key, { ids: [] }, 0, 1.5)).rejects.toThrow(/ttlSeconds/);
      await expect(store.save(key, { ids: [] }, -1, 60)).rejects.toThrow(/expectedRev/);
      await expect(store.save(key, undefined as unknown as Doc, 0, 60)).rejects.toThrow(/JSON/);
      expect(await store.load(key)).toBeUndefined();
    });

    it('sets the TTL on every save and forgets a conversation when it runs out', async () => {
      const refreshed = newKey();
      const expiring = newKey();
      await store.save(refreshed, { ids: ['a'] }, 0, 1);
      await store.save(refreshed, { ids: ['a', 'b'] }, 1, 60);
      await store.save(expiring, { ids: ['a'] }, 0, 1);
      await subject.elapse(1200);
      expect(await store.load(refreshed)).toEqual({ state: { ids: ['a', 'b'] }, rev: 2 });
      expect(await store.load(expiring)).toBeUndefined();
      expect(await store.save(expiring, { ids: ['again'] }, 1, 60)).toBe('conflict');
      expect(await store.save(expiring, { ids: ['again'] }, 0, 60)).toBe('ok');
    });

    it('seen: true the first time per conversation and update id, false for every repeat', async () => {
      const key = newKey();
      expect(await store.seen(key, 'u1')).toBe(true);
      expect(await store.seen(key, 'u1')).toBe(false);
      expect(await store.seen(key, 'u2')).toBe(true);
      expect(await store.seen(newKey(), 'u1')).toBe(true);
    });

    it('seen: exactly one true for the same update 3 times in a row and 3 times at once, across replicas', async () => {
      const [a, b] = subject.replicas;
      const sequential = newKey();
      const results = [await a.seen(sequential, 'u'), await b.seen(sequential, 'u'), await a.seen(sequential, 'u')];
      expect(results.filter(Boolean)).toHaveLength(1);
      const parallel = newKey();
      const together = await Promise.all([a.seen(parallel, 'u'), b.seen(parallel, 'u'), a.seen(parallel, 'u')]);
      expect(together.filter(Boolean)).toHaveLength(1);
    });

    it('claim: seen and load in one step, sharing the update ids with seen', async () => {
      const key = newKey();
      expect(await store.claim(key, 'u1')).toEqual({ first: true, stored: undefined });
      await store.save(key, { ids: ['a'] }, 0, 60);
      expect(await store.claim(key, 'u1')).toEqual({ first: false, stored: { state: { ids: ['a'] }, rev: 1 } });
      expect(await store.seen(key, 'u2')).toBe(true);
      expect((await store.claim(key, 'u2')).first).toBe(false);
      expect((await store.claim(key, 'u3')).first).toBe(true);
    });

    it('claim: exactly one first for the same update claimed 3 times at once, across replicas', async () => {
      const [a, b] = subject.replicas;
      const key = newKey();
      const together = await Promise.all([a.claim(key, 'u'), b.claim(key, 'u'), a.claim(key, 'u')]);
      expect(together.filter((c) => c.first)).toHaveLength(1);
    });

    it('delete forgets the state and the update ids of that conversation only', async () => {
      const key = newKey();
      const other = newKey();
      for (const k of [key, other]) {
        await store.save(k, { ids: ['a'] }, 0, 60);
        await store.seen(k, 'u1');
      }
      await store.delete(key);
      expect(await store.load(key)).toBeUndefined();
      expect(await store.seen(key, 'u1')).toBe(true);
      expect(await store.load(other)).toEqual({ state: { ids: ['a'] }, rev: 1 });
      expect(await store.seen(other, 'u1')).toBe(false);
      await expect(store.delete(newKey())).resolves.toBeUndefined();
    });

    it('10 racing writers on two replicas: every id lands exactly once and rev = 10', async () => {
      const key = newKey();
      const ids = Array.from({ length: 10 }, (_, i) => `w${i}`);
      const conflicts = await Promise.all(ids.map((id, i) => appendId(subject.replicas[i % 2]!, key, id)));
      const final = await store.load(key);
      expect(final?.rev).toBe(10);
      expect([...(final?.state.ids ?? [])].sort()).toEqual([...ids].sort());
      // All ten loads go out before any save, so the compare-and-set path really was taken.
      expect(conflicts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });

    describe('the outbox: what saved turns say, until said', () => {
      it('keeps entries in order with the saves that made them, and none from a save that lost', async () => {
        const key = newKey();
        expect(await store.save(key, { ids: ['a'] }, 0, 60, { entry: 'one' })).toBe('ok');
        expect(await store.save(key, { ids: ['b'] }, 0, 60, { entry: 'lost' })).toBe('conflict');
        expect(await store.save(key, { ids: ['a', 'b'] }, 1, 60, { entry: 'two' })).toBe('ok');
        expect(await store.save(key, { ids: ['a', 'b', 'c'] }, 2, 60)).toBe('ok');
        expect(await subject.replicas[1].outbox.take(key, 'r1', 5_000)).toEqual(['one', 'two']);
      });

      it('one sender at a time: another is refused while the lease holds, and gets what is left once it lapses', async () => {
        const key = newKey();
        await store.save(key, { ids: [] }, 0, 60, { entry: 'one' });
        await store.save(key, { ids: [] }, 1, 60, { entry: 'two' });
        const [a, b] = subject.replicas;
        // A lease of a second: long enough that a slow machine still makes the next three calls within it.
        expect(await a.outbox.take(key, 'a', 1000)).toEqual(['one', 'two']);
        expect(await b.outbox.take(key, 'b', 1000)).toBeUndefined();
        expect(await a.outbox.sent(key, 'a', 1, 1000)).toBe(1);
        await subject.elapse(1100);
        expect(await b.outbox.take(key, 'b', 5_000)).toEqual(['two']);
        expect(await a.outbox.sent(key, 'a', 1, 300)).toBe(-1);
        expect(await b.outbox.take(key, 'b', 5_000)).toEqual(['two']);
        expect(await b.outbox.sent(key, 'b', 1, 5_000)).toBe(0);
        // Empty: the lease is gone, anyone may look.
        expect(await a.outbox.take(key, 'a', 5_000)).toEqual([]);
      });

      it('indexes conversations with entries; settling drops one found empty, unless a newer entry came', async () => {
        const [key, busy] = [newKey(), newKey()];
        await store.save(key, { ids: [] }, 0, 60, { entry: 'one' });
        await store.save(busy, { ids: [] }, 0, 60, { entry: 'one' });
        const listed = async () => (await store.outbox.pending(0, 10_000)).filter((p) => p.key === key || p.key === busy);
        const found = await listed();
        expect(found.map((p) => p.key).sort()).toEqual([key, busy].sort());
        expect(await store.outbox.pending(3_600_000, 10_000)).not.toContainEqual(expect.objectContaining({ key }));
        await subject.elapse(5);
        await store.save(busy, { ids: [] }, 1, 60, { entry: 'two' });
        for (const p of found) await store.outbox.settle(p.key, p.since);
        expect((await listed()).map((p) => p.key)).toEqual([busy]);
      });

      it('a save can lease the outbox to its sender: it then gets every entry, unless another sender holds it', async () => {
        const key = newKey();
        const first: Saying = { entry: 'one', lease: { owner: 'a', ms: 5_000 } };
        await store.save(key, { ids: [] }, 0, 60, first);
        expect(first.taken).toEqual(['one']);
        const again: Saying = { entry: 'two', lease: { owner: 'a', ms: 5_000 } };
        await store.save(key, { ids: [] }, 1, 60, again);
        expect(again.taken).toEqual(['one', 'two']);
        const other: Saying = { entry: 'three', lease: { owner: 'b', ms: 5_000 } };
        await store.save(key, { ids: [] }, 2, 60, other);
        expect(other.taken).toBeUndefined();
        expect(await subject.replicas[1].outbox.take(key, 'b', 5_000)).toBeUndefined();
        expect(await store.outbox.take(key, 'a', 5_000)).toEqual(['one', 'two', 'three']);
      });

      it('delete forgets the outbox with the conversation', async () => {
        const key = newKey();
        await store.save(key, { ids: [] }, 0, 60, { entry: 'one' });
        await store.delete(key);
        expect(await store.outbox.take(key, 'a', 5_000)).toEqual([]);
      });
    });
  });
}
