import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createBot, type Bot } from '../../../src/http/bot.js';
import { createLogger } from '../../../src/log.js';
import { decodeQrSvg } from '../../checkins/qr.js';
import { startFakeGraphApi, type FakeGraphApi } from '../../support/fake-graph-api.js';
import { buttonReply, listReply, messageFrom, postNotification, status, text, type Notification } from '../../support/whatsapp-notifications.js';

/**
 * The bot as `npm start` composes it, configured by the contract's variables only (embedded memory store) against a
 * fake Graph API, driven from outside as the acceptance check does: a check-in created through the API, its
 * `whatsappLink` and QR code, `start <token>` as the link prefills it, a whole parent-checkin by taps, the response
 * written once, a forged signature refused, a replayed notification answered once, the subscription check echoed,
 * and a failed status counted by code in /metrics.
 */

const APP_SECRET = 'bb-app-secret-for-the-bot-test';
const VERIFY = 'bb-verify-token';
const API_TOKEN = 'whatsapp-bot-test-api-token-0123456789';
const WA_ID = '32477123456';

let api: FakeGraphApi;
let bot: Bot;
let base: string;
let dataDir: string;

beforeAll(async () => {
  api = await startFakeGraphApi();
  dataDir = mkdtempSync(join(tmpdir(), 'fb-wa-bot-'));
  const config = loadConfig({
    NODE_ENV: 'test', PORT: '0', OPS_PORT: '0', HOST: '127.0.0.1', PSEUDONYM_KEY: 'w'.repeat(40), DATA_DIR: dataDir, CHECKIN_API_TOKENS: API_TOKEN,
    WHATSAPP_ACCESS_TOKEN: api.token, WHATSAPP_PHONE_NUMBER_ID: api.phoneNumberId, WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY,
    WHATSAPP_API_ROOT: api.apiRoot, WHATSAPP_NUMBER: '+32 470 99 88 77',
  });
  bot = await createBot(config, createLogger({ level: 'silent' }));
  base = await bot.listen();
});

afterAll(async () => {
  await bot.shutdown();
  await api.close();
});

const post = async (body: Notification | string, signature?: string | null) => {
  const res = await postNotification(`${base}/whatsapp`, body, APP_SECRET, signature);
  await bot.channels.get('whatsapp')!.settled!();
  return res.status;
};

/** The newest message with a choice whose id ends in `|code`, tapped: the reply quotes that message. */
function tap(code: string): Notification {
  for (const m of [...api.messages(WA_ID)].reverse()) {
    const i = m.body.interactive as { type: string; action: { buttons?: Array<{ reply: { id: string; title: string } }>; sections?: Array<{ rows: Array<{ id: string; title: string }> }> } } | undefined;
    const choices = i?.type === 'button' ? i.action.buttons!.map((b) => b.reply) : (i?.action.sections ?? []).flatMap((s) => s.rows);
    const c = choices.find((x) => x.id.endsWith(`|${code}`));
    if (c) return messageFrom(api.phoneNumberId, WA_ID, i!.type === 'button' ? buttonReply(c.id, c.title) : listReply(c.id, c.title), { context: m.id });
  }
  throw new Error(`no choice ${code}`);
}

describe('WhatsApp through the whole bot', () => {
  it('answers the subscription check', async () => {
    const res = await fetch(`${base}/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=8812`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('8812');
  });

  it('a check-in from the API carries the WhatsApp link, its QR code opens it, and a whole parent-checkin is answered by taps', async () => {
    const res = await fetch(`${base}/v1/checkins`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify({ flow: 'parent-checkin', caseRef: 'CASE-WA-BOT', respondent: { role: 'parent' } }),
    });
    expect(res.status).toBe(201);
    const { id, invite } = (await res.json()) as { id: string; invite: { token: string; whatsappLink: string; qrSvg: string } };
    expect(invite.whatsappLink).toBe(`https://wa.me/32470998877?text=start%20${invite.token}`);
    const qr = await fetch(`${invite.qrSvg}?target=whatsapp`.replace('http://127.0.0.1:0', base), { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(decodeQrSvg(await qr.text())).toBe(invite.whatsappLink);

    const start = messageFrom(api.phoneNumberId, WA_ID, text(decodeURIComponent(new URL(invite.whatsappLink).searchParams.get('text')!)));
    const body = JSON.stringify(start);
    const keys = api.messages().length;
    expect(await post(body, 'sha256=' + 'ab'.repeat(32))).toBe(401);
    expect(await post(body, null)).toBe(401);
    expect(api.messages().length).toBe(keys);
    expect(await post(body)).toBe(200);
    expect(await post(body)).toBe(200); // a replay: said once
    expect(api.messages(WA_ID).filter((m) => (m.body.interactive as { body?: { text?: string } } | undefined)?.body?.text?.includes('Zullen we beginnen?'))).toHaveLength(1);

    for (const code of ['st', 'a:4', 'a:5', 'a:3', 'a:4', 'a:7', 'nc']) expect(await post(tap(code))).toBe(200);
    const send = tap('sd');
    expect(await post(send)).toBe(200);
    expect(await post(send)).toBe(200);
    const docs = readFileSync(join(dataDir, 'responses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { checkinId: string; channel: string; answers: Array<{ item: string; value: unknown }> });
    const mine = docs.filter((d) => d.checkinId === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.channel).toBe('whatsapp');
    expect(Object.fromEntries(mine[0]!.answers.map((a) => [a.item, a.value]))).toMatchObject({ p_heard: 4, p_transparent: 5, p_worries_clear: 3, p_next_steps_clear: 4, p_safety_scale: 7 });
    const after = await fetch(`${base}/v1/checkins/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(((await after.json()) as { status: string }).status).toBe('completed');
  });

  it('counts a failed status by its code in /metrics, and a signed non-notification as malformed', async () => {
    const last = api.messages(WA_ID).at(-1)!;
    expect(await post(status(api.phoneNumberId, last.id, WA_ID, 'failed', 131026))).toBe(200);
    expect(await post('{"hello":"world"}')).toBe(200);
    const metrics = await (await fetch(`${bot.opsUrl()}/metrics`)).text();
    expect(metrics).toMatch(/feedbackbot_platform_errors_total\{channel="whatsapp",code="131026"\} 1/);
    expect(metrics).toMatch(/feedbackbot_malformed_requests_total\{channel="whatsapp"\} 1/);
    expect(metrics).not.toContain(WA_ID);
  });
});
