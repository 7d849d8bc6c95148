import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CENSOR, createLogger } from '../../src/log.js';
import { callbackQuery, privateChat, textMessage } from '../support/telegram-updates.js';

/** The redaction safety net on its own: whole platform payloads logged by mistake, at any depth, leak nothing. */
const SECRET = 'Geheim42Zz';
const ID = 5_550_123_987;

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'trace', destination }) };
}

describe('log redaction', () => {
  const user = { id: ID, is_bot: false, first_name: SECRET, last_name: SECRET, username: SECRET, language_code: 'nl' };
  const bot = { message_id: 9, date: 0, chat: privateChat(user), text: `Vraag van ${SECRET}`, from: { id: 1, is_bot: true, first_name: 'Bot' } };

  it('censors names, text and platform ids in a Telegram update however deep, keeping the harmless fields', () => {
    const { lines, log } = capture();
    log.info({ update: callbackQuery(`1|${SECRET}`, { from: user, message: bot as never, callbackQueryId: 'cb-1' }) }, 'tap');
    log.warn({ wrapped: { deeper: { update: textMessage(SECRET, { from: user }) } } }, 'text');
    log.child({ chat: { id: ID } }).debug({ nested: [{ comment: SECRET }, { value: SECRET }] }, 'child');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain(String(ID));
    }
    expect(JSON.parse(lines[0]!).update.callback_query.message.chat).toBe(CENSOR);
    expect(JSON.parse(lines[1]!).wrapped.deeper.update.update_id).toEqual(expect.any(Number));
  });

  it('censors a Bot Framework activity (display name, conversation and AAD ids, service URL) and credentials', () => {
    const { lines, log } = capture();
    const activity = {
      type: 'message', id: 'a1', text: SECRET, from: { id: `29:${SECRET}`, name: SECRET, aadObjectId: SECRET },
      conversation: { id: `a:${SECRET}` }, recipient: { id: '28:bot' }, serviceUrl: `https://${SECRET}.example`, channelData: { tenant: { id: 't' } },
    };
    log.error({ activity, headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET }, body: { worker: { firstName: SECRET }, idempotencyKey: SECRET, token: SECRET } }, 'oops');
    expect(lines[0]).not.toContain(SECRET);
    expect(JSON.parse(lines[0]!)).toMatchObject({ activity: { type: 'message', id: 'a1', text: CENSOR }, msg: 'oops' });
  });

  it('turns an Error into its name, message and stack (a message with personal data is the caller\'s bug, not hidden)', () => {
    const { lines, log } = capture();
    log.error({ err: new TypeError('boom') }, 'failed');
    expect(JSON.parse(lines[0]!).err).toMatchObject({ type: 'TypeError', message: 'boom' });
  });
});
