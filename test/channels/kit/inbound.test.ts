import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createInbound, startToken } from '../../../src/channels/kit/inbound.js';
import { MemoryCheckinStore } from '../../../src/checkins/memory-store.js';
import { createCheckins } from '../../../src/checkins/service.js';
import type { Locale } from '../../../src/survey/schema.js';
import { FileSink } from '../../../src/delivery/sink.js';
import { MemorySessionStore } from '../../../src/sessions/memory.js';
import { RedisSessionStore } from '../../../src/sessions/redis.js';
import { createRunner, RetryLaterError, type Conversation } from '../../../src/turns/runner.js';
import { captureLog } from '../../delivery/support/wait.js';
import { loadTestBank } from '../../support/engine.js';

/**
 * The inbound handling every channel shares (src/channels/kit/inbound.ts), asserted once here instead of once per
 * channel: duplicates say nothing, storage trouble says "try again" and fails the update, an invite is redeemed
 * and opened, a refusal is said once. On the memory store, and on a Redis nobody answers.
 */
const shared = loadTestBank();
const store = new MemorySessionStore<Conversation>();
const runner = createRunner({ ...shared, store, delivery: new FileSink(mkdtempSync(join(tmpdir(), 'fb-inbound-'))), log: captureLog() });
const checkins = createCheckins({ store: new MemoryCheckinStore(), bank: shared.bank, defaultLocale: 'nl' });
const inbound = createInbound({ runner, store, texts: shared.texts }, checkins, 'test');
const t = (lng: Locale) => shared.texts.t(lng);
afterAll(() => store.close());

/** Records what the channel was asked to say for "try again", and in which language. */
function tryAgainSpy() {
  const said: Locale[] = [];
  return { said, tryAgain: async (lng: Locale) => void said.push(lng) };
}

describe('channel kit: inbound', () => {
  it('reads start <token> as a link prefills it or a person types it, and nothing shorter', () => {
    const token = 'A'.repeat(16);
    expect([`start ${token}`, `/start ${token}`, `  START ${token} `].map(startToken)).toEqual([token, token, token]);
    expect([`start ${'A'.repeat(15)}`, `start ${token} please`, token].map(startToken)).toEqual([undefined, undefined, undefined]);
  });

  it('redeems an invite and opens its check-in; the same update again is a duplicate and says nothing', async () => {
    const { checkin } = await checkins.create({ flow: 'parent-checkin', caseRef: 'K1', respondent: { role: 'parent' } }, 'test');
    const { token } = checkins.invite(checkin)!;
    const spy = tryAgainSpy();
    const opened = await inbound.start('test:a', token, { pseudonym: 'psd-a', updateId: 'u1', lng: 'nl' }, spy.tryAgain);
    expect(opened.refusal).toBeUndefined();
    expect(opened.result?.events.map((e) => e.type)).toContain('checkin.opened');
    expect(await inbound.turn('test:a', { kind: 'text', text: 'start' }, 'u1', spy.tryAgain)).toBeUndefined();
    expect(spy.said).toEqual([]);
  });

  it('refuses an unknown invite kindly in the platform\'s language, once however often it arrives', async () => {
    const spy = tryAgainSpy();
    const first = await inbound.start('test:b', 'Z'.repeat(32), { pseudonym: 'psd-b', updateId: 'u2', lng: 'fr' }, spy.tryAgain);
    expect(first).toEqual({ refusal: { kind: 'message', text: t('fr')('invite.unknown') } });
    expect(await inbound.start('test:b', 'Z'.repeat(32), { pseudonym: 'psd-b', updateId: 'u2', lng: 'fr' }, spy.tryAgain)).toEqual({});
  });

  it('storage trouble: "try again" in the language the platform gave, and the error goes back to the channel', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => {});
    const deadStore = new RedisSessionStore<Conversation>({ redis: dead });
    const deadRunner = createRunner({ ...shared, store: deadStore, delivery: new FileSink(mkdtempSync(join(tmpdir(), 'fb-inbound-'))), log: captureLog() });
    const down = createInbound({ runner: deadRunner, store: deadStore, texts: shared.texts }, checkins, 'test');
    const spy = tryAgainSpy();
    await expect(down.turn('test:c', { kind: 'text', text: 'hallo', lng: 'en' }, 'u3', spy.tryAgain)).rejects.toBeInstanceOf(RetryLaterError);
    await expect(down.turn('test:c', { kind: 'button', data: 'x' }, 'u4', spy.tryAgain)).rejects.toBeInstanceOf(RetryLaterError);
    expect(spy.said).toEqual(['en', 'nl']); // without a hint: DEFAULT_LOCALE
    dead.disconnect();
  });
});
