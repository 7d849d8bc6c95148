import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckinRecord, CheckinStore } from '../../src/checkins/store.js';

export interface StoreSubject {
  /** Two handles on the same storage, like two replicas (the memory store can only offer itself twice). */
  replicas: [CheckinStore, CheckinStore];
  /** Lets `ms` pass for TTLs: the memory store moves its clock, Redis really waits (≤ 1.2 s). */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

export function record(over: Partial<CheckinRecord> = {}): CheckinRecord {
  return {
    id: `chk_${randomUUID().replaceAll('-', '').slice(0, 16)}`, flow: 'parent-checkin', caseRef: 'CASE 1/2', teamRef: null, role: 'parent', ageBand: null,
    workerFirstName: 'Anna', locale: 'nl', status: 'created', sealedToken: 'sealed', createdAt: '2026-11-01T10:00:00.000Z',
    expiresAt: '2026-11-08T10:00:00.000Z', history: { created: '2026-11-01T10:00:00.000Z' }, boundTo: null, respondentRef: null,
    sendAt: null, delivery: 'invite', fingerprint: 'fp', ...over,
  };
}

const tokenHash = () => `h-${randomUUID()}`;

/** The behaviour both check-in stores share; run once per implementation. */
export function checkinStoreContract(name: string, setup: () => Promise<StoreSubject>): void {
  describe(`CheckinStore contract: ${name}`, () => {
    let subject: StoreSubject;
    let store: CheckinStore;

    beforeAll(async () => {
      subject = await setup();
      store = subject.replicas[0];
    });
    afterAll(() => subject?.close());

    it('keeps a record as given (nulls, history, free-text case refs) and finds it by token hash', async () => {
      const r = record({ ageBand: 'teen', role: 'child', respondentRef: 'R-9', sendAt: '2026-12-01T09:00:00Z', teamRef: 'Team Noord' });
      const hash = tokenHash();
      expect(await store.create(r, hash, 60)).toEqual({ record: r, created: true });
      expect(await store.get(r.id)).toEqual(r);
      expect(await store.idByToken(hash)).toBe(r.id);
      expect(await store.get('chk_nope')).toBeUndefined();
      expect(await store.idByToken(tokenHash())).toBeUndefined();
    });

    it('an idempotency key returns the first record, also to racing replicas', async () => {
      const [a, b] = subject.replicas;
      const key = `idem-${randomUUID()}`;
      const first = record();
      await a.create(first, tokenHash(), 60, key);
      const again = await b.create(record({ caseRef: 'other' }), tokenHash(), 60, key);
      expect(again).toEqual({ record: first, created: false });

      const raceKey = `idem-${randomUUID()}`;
      const racers = Array.from({ length: 6 }, () => ({ r: record(), hash: tokenHash() }));
      const results = await Promise.all(racers.map(({ r, hash }, i) => (i % 2 ? a : b).create(r, hash, 60, raceKey)));
      expect(results.filter((x) => x.created)).toHaveLength(1);
      expect(new Set(results.map((x) => x.record.id)).size).toBe(1);
      const losers = racers.filter(({ r }) => r.id !== results[0]!.record.id);
      for (const { r, hash } of losers) {
        expect(await a.get(r.id)).toBeUndefined();
        expect(await a.idByToken(hash)).toBeUndefined();
      }
    });

    it('bind: of ten conversations racing on one invite exactly one wins; it may bind again, others may not', async () => {
      const [a, b] = subject.replicas;
      const r = record();
      await a.create(r, tokenHash(), 60);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).bind(r.id, `tg:conv${i}`)));
      expect(outcomes.filter((o) => o === 'bound')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'other')).toHaveLength(9);
      const winner = `tg:conv${outcomes.indexOf('bound')}`;
      expect((await a.get(r.id))?.boundTo).toBe(winner);
      expect(await b.bind(r.id, winner)).toBe('again');
      expect(await b.bind('chk_missing', winner)).toBeUndefined();
    });

    it('move: forward only, each status stamped once; outcomes are final', async () => {
      const r = record();
      await store.create(r, tokenHash(), 60);
      expect(await store.move(r.id, 'in_progress', 't2')).toBe(true);
      expect(await store.move(r.id, 'opened', 't3')).toBe(false);
      expect(await store.move(r.id, 'in_progress', 't4')).toBe(false);
      expect(await store.move(r.id, 'completed', 't5')).toBe(true);
      expect(await store.move(r.id, 'declined', 't6')).toBe(false);
      const got = await store.get(r.id);
      expect(got?.status).toBe('completed');
      expect(got?.history).toEqual({ created: r.createdAt, in_progress: 't2', completed: 't5' });
      expect(await store.move('chk_missing', 'opened', 't')).toBe(false);
    });

    it('move: two replicas racing to different outcomes leave exactly one', async () => {
      const [a, b] = subject.replicas;
      const r = record();
      await a.create(r, tokenHash(), 60);
      const won = await Promise.all([a.move(r.id, 'completed', 'x'), b.move(r.id, 'declined', 'y'), a.move(r.id, 'expired', 'z')]);
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(Object.keys((await b.get(r.id))!.history)).toHaveLength(2);
    });

    it('remembers the current check-in of a conversation until cleared', async () => {
      const key = `tg:${randomUUID()}`;
      expect(await store.current(key)).toBeUndefined();
      await store.setCurrent(key, 'chk_a', 60);
      await store.setCurrent(key, 'chk_b', 60);
      expect(await subject.replicas[1].current(key)).toBe('chk_b');
      await store.clearCurrent(key);
      expect(await store.current(key)).toBeUndefined();
    });

    it('forgets records, token hashes, idempotency claims and current check-ins when their TTL runs out', async () => {
      const r = record();
      const hash = tokenHash();
      const key = `idem-${randomUUID()}`;
      const conv = `tg:${randomUUID()}`;
      await store.create(r, hash, 1, key);
      await store.setCurrent(conv, r.id, 1);
      await subject.elapse(1200);
      expect(await store.get(r.id)).toBeUndefined();
      expect(await store.idByToken(hash)).toBeUndefined();
      expect(await store.current(conv)).toBeUndefined();
      const fresh = record();
      expect(await store.create(fresh, tokenHash(), 60, key)).toEqual({ record: fresh, created: true });
    });
  });
}
