import { describe, expect, it } from 'vitest';
import { GrammyError, type ApiCallFn } from 'grammy';
import { splitText } from '../../../src/channels/kit/text.js';
import { commandMenu, toMessages } from '../../../src/channels/telegram/render.js';
import { ChatLanes } from '../../../src/channels/kit/lanes.js';
import { isBlocked, isNotModified, retryAfter } from '../../../src/channels/telegram/send.js';
import { loadTestBank } from '../../support/engine.js';

/** The pure parts of the Telegram channel: message splitting, keyboards, command menus, lanes, flood waits. */

describe('splitText', () => {
  it('keeps texts up to the limit whole and cuts longer ones at line or word boundaries', () => {
    expect(splitText('kort', 4096)).toEqual(['kort']);
    const text = `${'a'.repeat(30)}\n${'b'.repeat(30)} ${'c'.repeat(30)}`;
    const parts = splitText(text, 40);
    expect(parts).toEqual(['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)]);
  });

  it('never splits an emoji into two halves', () => {
    const text = `${'x'.repeat(9)}🙂${'y'.repeat(5)}`;
    const parts = splitText(text, 10);
    expect(parts.join('')).toBe(text);
    for (const p of parts) expect(p).not.toMatch(/[\uD800-\uDBFF]$/);
  });
});

describe('toMessages', () => {
  it('puts the keyboard under the last piece, with the engine rows and data unchanged', () => {
    const buttons = [[{ label: '1', data: '3|p_heard|a:1' }, { label: '2', data: '3|p_heard|a:2' }], [{ label: 'Sla over', data: '3|p_heard|sk' }]];
    const messages = toMessages({ kind: 'question', text: `${'woord '.repeat(1000)}?`, ask: 'p_heard', rev: 3, buttons });
    expect(messages).toHaveLength(2);
    expect(messages[0]!.reply_markup).toBeUndefined();
    expect(messages[1]!.reply_markup!.inline_keyboard).toEqual([
      [{ text: '1', callback_data: '3|p_heard|a:1' }, { text: '2', callback_data: '3|p_heard|a:2' }],
      [{ text: 'Sla over', callback_data: '3|p_heard|sk' }],
    ]);
  });
});

describe('commandMenu', () => {
  it('names the commands in each language, as Telegram accepts them', () => {
    const { texts } = loadTestBank();
    expect(commandMenu(texts, 'fr').map((c) => c.command)).toEqual(['aide', 'langue', 'retour', 'stop', 'effacer']);
    for (const lng of ['nl', 'fr', 'en'] as const) {
      for (const c of commandMenu(texts, lng)) {
        expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
        expect(c.description.length).toBeGreaterThan(2);
        expect(c.description).not.toContain('telegram.');
      }
    }
  });
});

describe('ChatLanes', () => {
  it('runs one chat in order and goes on after a failed job', async () => {
    const lanes = new ChatLanes({ intervalMs: 0, burst: 1 });
    const seen: string[] = [];
    const slow = lanes.run(1, async () => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push('a');
      throw new Error('boom');
    });
    const next = lanes.run(1, async () => void seen.push('b'));
    await expect(slow).rejects.toThrow('boom');
    await next;
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('retryAfter', () => {
  const tooMany = { ok: false as const, error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } };

  it('waits retry_after seconds and repeats the call, a bounded number of times', async () => {
    const waits: number[] = [];
    let calls = 0;
    const prev = (async () => (++calls <= 5 ? tooMany : { ok: true, result: true })) as unknown as ApiCallFn;
    const call = retryAfter(3, async (ms) => void waits.push(ms));
    const res = await call(prev, 'sendMessage', { chat_id: 1, text: 'x' } as never);
    expect(res.ok).toBe(false);
    expect(calls).toBe(4);
    expect(waits).toEqual([2000, 2000, 2000]);
  });

  it('passes other errors through at once', async () => {
    let calls = 0;
    const prev = (async () => (++calls, { ok: false, error_code: 403, description: 'Forbidden' })) as unknown as ApiCallFn;
    const res = await retryAfter(3, async () => undefined)(prev, 'sendMessage', {} as never);
    expect(res.ok).toBe(false);
    expect(calls).toBe(1);
  });
});

describe('Bot API errors', () => {
  const error = (error_code: number, description: string) => new GrammyError('call failed', { ok: false, error_code, description }, 'editMessageText', {});

  it('tells "message is not modified" (ignored) and a block (403) from other errors', () => {
    const notModified = error(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same');
    expect(isNotModified(notModified)).toBe(true);
    expect(isNotModified(error(400, 'Bad Request: message to edit not found'))).toBe(false);
    expect(isBlocked(error(403, 'Forbidden: bot was blocked by the user'))).toBe(true);
    expect(isBlocked(notModified)).toBe(false);
    expect(isBlocked(new Error('network'))).toBe(false);
  });
});
