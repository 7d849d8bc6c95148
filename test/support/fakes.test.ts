import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, GrammyError, InlineKeyboard, webhookCallback } from 'grammy';
import type { Message } from 'grammy/types';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBotFrameworkAuth, type BotFrameworkAuthServer } from './bot-framework-auth.js';
import { closeServer, startFakeBotApi, type FakeBotApi } from './fake-bot-api.js';
import { startFakeConnector, type FakeConnector } from './fake-connector.js';
import {
  botBlocked,
  callbackQuery,
  editedMessage,
  groupMessage,
  nextUpdateId,
  photoMessage,
  postUpdate,
  startCommand,
  stickerMessage,
  textMessage,
  voiceMessage,
} from './telegram-updates.js';

const CHAT = 4242001;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('fake Bot API with grammY', () => {
  let fake: FakeBotApi;
  let api: Api;
  const newBot = () => new Bot(fake.token, { botInfo: fake.botInfo, client: { apiRoot: fake.apiRoot } });

  beforeAll(async () => {
    fake = await startFakeBotApi({ botUsername: 'feedback_fake_bot' });
    api = new Api(fake.token, { apiRoot: fake.apiRoot });
  });
  afterEach(() => fake.clear());
  afterAll(() => fake.close());

  it('answers getMe with the bot it advertises', async () => {
    const me = await api.getMe();
    expect(me).toEqual(fake.botInfo);
    expect(me.username).toBe('feedback_fake_bot');
  });

  it('sends messages with per-chat ids and records the JSON params', async () => {
    const keyboard = new InlineKeyboard().text('Goed', 'a:1').text('Slecht', 'a:2');
    const first = await api.sendMessage(CHAT, 'Hoe gaat het?', { reply_markup: keyboard });
    const second = await api.sendMessage(CHAT, 'Tweede');
    const other = await api.sendMessage(777, 'Elders');

    expect([first.message_id, second.message_id, other.message_id]).toEqual([1, 2, 1]);
    expect(first.chat).toMatchObject({ id: CHAT, type: 'private' });
    expect(first.from?.id).toBe(fake.botInfo.id);
    expect(first.reply_markup).toEqual({ inline_keyboard: keyboard.inline_keyboard });
    expect(fake.callsOf('sendMessage')[0]?.params).toMatchObject({ chat_id: CHAT, text: 'Hoe gaat het?' });
    expect(fake.messages(CHAT).map((m) => m.text)).toEqual(['Hoe gaat het?', 'Tweede']);
  });

  it('edits text and markup, and refuses a no-op edit the way Telegram does', async () => {
    const keyboard = new InlineKeyboard().text('Ja', 'y');
    const sent = await api.sendMessage(CHAT, 'Vraag', { reply_markup: keyboard });

    const edited = await api.editMessageText(CHAT, sent.message_id, 'Vraag (beantwoord)', { reply_markup: keyboard });
    expect(edited).toMatchObject({ text: 'Vraag (beantwoord)', edit_date: expect.any(Number) });

    const err = await rejection(api.editMessageText(CHAT, sent.message_id, 'Vraag (beantwoord)', { reply_markup: keyboard }));
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(400);
    expect((err as GrammyError).description).toBe(
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    );

    await api.editMessageReplyMarkup(CHAT, sent.message_id, { reply_markup: new InlineKeyboard() });
    expect(fake.messages(CHAT)[0]).toMatchObject({ text: 'Vraag (beantwoord)', reply_markup: undefined });
    const missing = await rejection(api.editMessageText(CHAT, 999, 'x'));
    expect((missing as GrammyError).description).toBe('Bad Request: message to edit not found');
  });

  it('drops the keyboard when editMessageText comes without one', async () => {
    const sent = await api.sendMessage(CHAT, 'Vraag', { reply_markup: new InlineKeyboard().text('Ja', 'y') });
    await api.editMessageText(CHAT, sent.message_id, 'Vraag');
    expect(fake.messages(CHAT)[0]?.reply_markup).toBeUndefined();
  });

  it('refuses texts over 4096 characters and deletes messages', async () => {
    const err = await rejection(api.sendMessage(CHAT, 'a'.repeat(4097)));
    expect((err as GrammyError).description).toBe('Bad Request: message is too long');
    const ok = await api.sendMessage(CHAT, 'a'.repeat(4096));
    expect(await api.deleteMessage(CHAT, ok.message_id)).toBe(true);
    expect(fake.messages(CHAT)).toEqual([]);
  });

  it('injects a 429 with retry_after once, then succeeds', async () => {
    fake.failNext('sendMessage', { status: 429, retryAfter: 3 });
    const err = await rejection(api.sendMessage(CHAT, 'Hallo'));
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(429);
    expect((err as GrammyError).parameters.retry_after).toBe(3);
    expect((err as GrammyError).description).toBe('Too Many Requests: retry after 3');

    await api.sendMessage(CHAT, 'Hallo');
    expect(fake.callsOf('sendMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('fails only the chat a fault names, and blocks a chat until unblocked', async () => {
    fake.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user', chatId: 555, times: 2 });
    await api.sendMessage(CHAT, 'gaat door');
    expect(((await rejection(api.sendMessage(555, 'x'))) as GrammyError).error_code).toBe(403);
    expect(((await rejection(api.sendMessage(555, 'x'))) as GrammyError).error_code).toBe(403);
    await api.sendMessage(555, 'weer ok');

    fake.blockChat(CHAT);
    const blocked = (await rejection(api.sendChatAction(CHAT, 'typing'))) as GrammyError;
    expect(blocked.description).toBe('Forbidden: bot was blocked by the user');
    fake.unblockChat(CHAT);
    expect(await api.sendChatAction(CHAT, 'typing')).toBe(true);
  });

  it('answers the housekeeping methods', async () => {
    expect(await api.setWebhook('https://bot.example.be/telegram', { secret_token: 's3cret_-' })).toBe(true);
    expect((await api.getWebhookInfo()).url).toBe('https://bot.example.be/telegram');
    expect(((await rejection(api.setWebhook('http://bot.example.be/telegram'))) as GrammyError).error_code).toBe(400);
    expect(await api.deleteWebhook()).toBe(true);
    expect((await api.getWebhookInfo()).url).toBe('');
    expect(await api.setMyCommands([{ command: 'start', description: 'Begin' }])).toBe(true);
    expect(await api.leaveChat(-100123)).toBe(true);
    expect(await api.answerCallbackQuery('42')).toBe(true);
    expect(fake.callsOf('setMyCommands')[0]?.params.commands).toEqual([{ command: 'start', description: 'Begin' }]);
  });

  it('speaks raw HTTP: wrong token 401, unknown method 404, GET query, urlencoded and multipart bodies', async () => {
    const wrong = await fetch(`${fake.apiRoot}/bot1:nope/getMe`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });

    const unknown = await fetch(`${fake.apiRoot}/bot${fake.token}/sendTelepathy`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });

    const get = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage?chat_id=${CHAT}&text=via%20GET`);
    expect(((await get.json()) as { result: Message }).result.text).toBe('via GET');

    await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: String(CHAT), text: 'form', reply_markup: '{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}' }),
    });
    const form = new FormData();
    form.set('chat_id', String(CHAT));
    form.set('photo', new Blob([new Uint8Array(10)]), 'p.jpg');
    await fetch(`${fake.apiRoot}/bot${fake.token}/sendPhoto`, { method: 'POST', body: form });
    const broken = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id":',
    });
    expect(broken.status).toBe(400);

    expect(fake.callsOf('sendMessage')[1]?.params).toEqual({
      chat_id: CHAT,
      text: 'form',
      reply_markup: { inline_keyboard: [[{ text: 'a', callback_data: 'b' }]] },
    });
    expect(fake.callsOf('sendPhoto')[0]?.params).toEqual({ chat_id: CHAT, photo: { filename: 'p.jpg', size: 10 } });
    expect(fake.calls.map((c) => c.status)).toEqual([401, 404, 200, 200, 404, 400]);
  });

  it('waits for calls and times out with an explanation', async () => {
    const waiting = fake.waitForCalls('sendMessage', 2, 2_000);
    void api.sendMessage(CHAT, 'een');
    void api.sendMessage(CHAT, 'twee');
    expect((await waiting).map((c) => c.params.text).sort()).toEqual(['een', 'twee']);
    await expect(fake.waitForCalls('leaveChat', 1, 50)).rejects.toThrow(/timed out after 50 ms waiting for 1 leaveChat calls; saw 0/);
  });

  it('drives a webhookCallback server with factory updates and a secret token', async () => {
    const bot = newBot();
    bot.command('start', (ctx) => ctx.reply(`start:${ctx.match}`));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'Bedankt' });
      await ctx.editMessageText(`gekozen:${ctx.callbackQuery.data}`);
    });
    const server = createServer(webhookCallback(bot, 'http', { secretToken: 'hook-secret' }));
    const url = `${await listen(server)}/telegram`;
    try {
      const forged = await postUpdate(url, startCommand('tok_forged'), 'wrong');
      expect(forged.status).toBe(401);

      const res = await postUpdate(url, startCommand('tok_ABC-123'), 'hook-secret');
      expect(res.status).toBe(200);
      const [reply] = await fake.waitForCalls('sendMessage', 1, 2_000);
      expect(reply?.params).toMatchObject({ chat_id: CHAT, text: 'start:tok_ABC-123' });

      const question = await bot.api.sendMessage(CHAT, 'Hoe gaat het?', { reply_markup: new InlineKeyboard().text('Goed', 'q1:4') });
      expect((await postUpdate(url, callbackQuery('q1:4', { message: question }), 'hook-secret')).status).toBe(200);
      expect(fake.callsOf('answerCallbackQuery')[0]?.params).toMatchObject({ text: 'Bedankt' });
      expect(fake.messages(CHAT).find((m) => m.message_id === question.message_id)).toMatchObject({
        text: 'gekozen:q1:4',
        reply_markup: undefined,
      });
      expect(fake.callsOf('getMe')).toEqual([]);
    } finally {
      await closeServer(server);
    }
  });
});

describe('Telegram update factories', () => {
  it('build updates grammY routes to the right handlers', async () => {
    const fake = await startFakeBotApi();
    try {
      const bot = new Bot(fake.token, { botInfo: fake.botInfo, client: { apiRoot: fake.apiRoot } });
      const seen: string[] = [];
      bot.command('start', (ctx) => void seen.push(`start:${ctx.match}`));
      bot.on('edited_message:text', () => void seen.push('edited'));
      bot.on('message:sticker', () => void seen.push('sticker'));
      bot.on('message:photo', (ctx) => void seen.push(`photo:${ctx.message.caption}`));
      bot.on('message:voice', () => void seen.push('voice'));
      bot.on('my_chat_member', (ctx) => void seen.push(`member:${ctx.myChatMember.new_chat_member.status}`));
      bot.chatType('group').on('message:text', () => void seen.push('group'));
      bot.chatType('private').on('message:text', (ctx) => void seen.push(`text:${ctx.message.text}`));
      bot.on('callback_query:data', (ctx) => void seen.push(`tap:${ctx.callbackQuery.data}:${ctx.callbackQuery.message?.message_id}`));

      const updates = [
        startCommand('abc'),
        textMessage('hallo'),
        editedMessage('hallo!'),
        stickerMessage(),
        photoMessage('foto'),
        voiceMessage(),
        groupMessage('in de groep'),
        botBlocked(),
        callbackQuery('q:1', { messageId: 77 }),
      ];
      for (const u of updates) await bot.handleUpdate(u);

      expect(seen).toEqual([
        'start:abc',
        'text:hallo',
        'edited',
        'sticker',
        'photo:foto',
        'voice',
        'group',
        'member:kicked',
        'tap:q:1:77',
      ]);
      const ids = updates.map((u) => u.update_id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(textMessage('x', { updateId: 5 }).update_id).toBe(5);
      expect(nextUpdateId()).toBeGreaterThan(Math.max(...ids));
      expect(fake.calls).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

type Botbuilder = typeof import('botbuilder');
type ConnectorClient = import('botframework-connector').ConnectorClient;
type Activity = import('botbuilder').Activity;

const TEAMS_CONVERSATION = '19:meeting_Zm9v@thread.v2;messageid=1700000000001';

function teamsReference(serviceUrl: string, activityId?: string) {
  return {
    channelId: 'msteams',
    serviceUrl,
    conversation: { id: TEAMS_CONVERSATION, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: '28:feedbackbot-app-id', name: 'Feedbackbot' },
    user: { id: '29:1abcUserAadObject', name: 'Ouder' },
    ...(activityId ? { activityId } : {}),
  };
}

describe('fake Connector with botbuilder (unauthenticated)', () => {
  let bb: Botbuilder;
  let connector: FakeConnector;
  let adapter: InstanceType<Botbuilder['CloudAdapter']>;

  beforeAll(async () => {
    bb = await import('botbuilder');
    connector = await startFakeConnector();
    // MicrosoftAppId empty → PasswordServiceClientCredentialFactory.isAuthenticationDisabled() is true:
    // anonymous inbound identity, MicrosoftAppCredentials.Empty outbound (no Authorization header).
    adapter = new bb.CloudAdapter(new bb.ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '' }));
  });
  afterEach(() => connector.clear());
  afterAll(() => connector.close());

  it('ConnectorClient sends, updates and deletes activities, decoding Teams conversation ids', async () => {
    let sentId = '';
    await adapter.continueConversationAsync('', teamsReference(connector.serviceUrl), async (ctx) => {
      const client = ctx.turnState.get<ConnectorClient>(adapter.ConnectorClientKey);
      const sent = await client.conversations.sendToConversation(TEAMS_CONVERSATION, { type: 'message', text: 'Hallo, hoe gaat het?' });
      sentId = sent.id;
      await client.conversations.updateActivity(TEAMS_CONVERSATION, sentId, { type: 'message', id: sentId, text: 'Hallo (bijgewerkt)' });
      await client.conversations.deleteActivity(TEAMS_CONVERSATION, sentId);
    });

    expect(sentId).toMatch(/^1:\d+$/);
    expect(connector.activities.map((a) => a.kind)).toEqual(['send', 'update', 'delete']);
    const [send, update, del] = connector.activities;
    expect(send).toMatchObject({ conversationId: TEAMS_CONVERSATION, id: sentId, activity: { type: 'message', text: 'Hallo, hoe gaat het?' } });
    expect(send?.authorization).toBeUndefined();
    expect(update).toMatchObject({ conversationId: TEAMS_CONVERSATION, activityId: sentId, activity: { text: 'Hallo (bijgewerkt)' } });
    expect(del).toMatchObject({ conversationId: TEAMS_CONVERSATION, activityId: sentId });
  });

  it('continueConversationAsync: sendActivity replies to the fresh continuation id; update and delete follow', async () => {
    let sentId = '';
    await adapter.continueConversationAsync('', teamsReference(connector.serviceUrl), async (ctx) => {
      sentId = (await ctx.sendActivity('Nieuwe check-in'))?.id ?? '';
      await ctx.updateActivity({ type: 'message', id: sentId, conversation: ctx.activity.conversation, text: 'Check-in (verlopen)' });
      await ctx.deleteActivity(sentId);
    });
    const [reply, update, del] = await connector.waitForActivities(3, 2_000);
    expect(reply).toMatchObject({ kind: 'reply', conversationId: TEAMS_CONVERSATION, id: sentId, activity: { text: 'Nieuwe check-in' } });
    expect(reply?.activityId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply?.activity.replyToId).toBe(reply?.activityId);
    expect(update).toMatchObject({ kind: 'update', activityId: sentId, activity: { text: 'Check-in (verlopen)' } });
    expect(del).toMatchObject({ kind: 'delete', activityId: sentId });
  });

  it('creates a conversation proactively', async () => {
    let conversationId = '';
    await adapter.createConversationAsync(
      '',
      'msteams',
      connector.serviceUrl,
      '',
      {
        isGroup: false,
        bot: { id: '28:bot', name: 'Feedbackbot' },
        members: [{ id: '29:user', name: 'Ouder' }],
        tenantId: 't-1',
        channelData: { tenant: { id: 't-1' } },
      },
      async (ctx) => {
        conversationId = ctx.activity.conversation.id;
        await ctx.sendActivity('Welkom');
      },
    );
    expect(connector.activities.map((a) => a.kind)).toEqual(['create', 'reply']);
    expect(connector.activities[0]?.activity).toMatchObject({ members: [{ id: '29:user' }], channelData: { tenant: { id: 't-1' } } });
    expect(conversationId).toBe(connector.activities[0]?.id);
    expect(connector.activities[1]?.conversationId).toBe(conversationId);
  });

  it('speaks raw HTTP: unknown routes 404, broken JSON 400, neither recorded as an activity', async () => {
    const members = await fetch(`${connector.serviceUrl}v3/conversations/a%3A1/members`);
    expect(members.status).toBe(404);
    const broken = await fetch(`${connector.serviceUrl}v3/conversations/a%3A1/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'BadArgument' } });
    expect(connector.requests.map((r) => [r.op, r.status])).toEqual([
      [undefined, 404],
      ['send', 400],
    ]);
    expect(connector.activities).toEqual([]);
  });

  const sendOnce = (text: string) =>
    adapter.continueConversationAsync('', teamsReference(connector.serviceUrl), async (ctx) => {
      await ctx.sendActivity(text);
    });

  it('429 with Retry-After: the ConnectorClient waits that long, retries, and delivers once', async () => {
    connector.failNext('reply', { status: 429, headers: { 'Retry-After': '1' } });
    await sendOnce('na wachten');
    const [throttled, ok] = connector.requests;
    expect(connector.requests.map((r) => r.status)).toEqual([429, 200]);
    expect((ok?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(connector.activities.map((a) => a.activity.text)).toEqual(['na wachten']);
  });

  it('persistent 429 surfaces as RestError after 4 attempts', async () => {
    connector.failNext('reply', { status: 429, headers: { 'Retry-After': '0' }, times: 4 });
    const err = (await rejection(sendOnce('nooit'))) as { statusCode?: number; code?: string };
    expect(err).toMatchObject({ statusCode: 429, code: 'Throttled' });
    expect(connector.requests.map((r) => r.status)).toEqual([429, 429, 429, 429]);
    expect(connector.activities).toEqual([]);
  });

  it('502 once is retried by the client and delivered', async () => {
    connector.failNext('reply', { status: 502 });
    await sendOnce('na 502');
    expect(connector.requests.map((r) => r.status)).toEqual([502, 200]);
    expect(connector.activities).toHaveLength(1);
  });

  it.each([
    { status: 403, code: 'ConversationBlockedByUser' },
    { status: 412, code: 'PreconditionFailed' },
  ])('$status surfaces at once with the Bot Framework error code', async ({ status, code }) => {
    connector.failNext('reply', { status });
    const err = (await rejection(sendOnce('eerste poging'))) as { statusCode?: number; code?: string };
    expect(err).toMatchObject({ statusCode: status, code });
    await sendOnce('tweede poging');
    expect(connector.requests.map((r) => r.status)).toEqual([status, 200]);
    expect(connector.activities.map((a) => a.activity.text)).toEqual(['tweede poging']);
  });
});

describe('Bot Framework JWTs accepted by ConfigurationBotFrameworkAuthentication', () => {
  const APP_ID = '00000000-feed-4bac-8000-00000000b07';
  const ACCESS_TOKEN = 'outbound-access-token';
  let bb: Botbuilder;
  let auth: BotFrameworkAuthServer;
  let connector: FakeConnector;
  let server: Server;
  let endpoint: string;
  let bfAuth: InstanceType<Botbuilder['ConfigurationBotFrameworkAuthentication']>;
  const received: string[] = [];

  /** Outbound credentials via the fake's token endpoint; botbuilder's MSAL path refuses http authorities. */
  function tokenEndpointCredentials() {
    return {
      isValidAppId: async (appId: string) => appId === APP_ID,
      isAuthenticationDisabled: async () => false,
      createCredentials: async () => ({
        async signRequest<R extends { headers: { set(name: string, value: string): void } }>(request: R): Promise<R> {
          const res = await fetch(connector.tokenUrl as string, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP_ID, client_secret: 'x', scope: 'https://api.botframework.com/.default' }),
          });
          const { access_token } = (await res.json()) as { access_token: string };
          request.headers.set('authorization', `Bearer ${access_token}`);
          return request;
        },
      }),
    };
  }

  /** An inbound Teams message as the channel service posts it (botbuilder's Activity type lists every field as required). */
  function activity(text: string): Activity {
    return {
      type: 'message',
      id: '1:inbound-1',
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      from: { id: '29:1abcUserAadObject', name: 'Ouder', aadObjectId: 'aad-1' },
      recipient: { id: `28:${APP_ID}`, name: 'Feedbackbot' },
      conversation: { id: TEAMS_CONVERSATION, conversationType: 'personal' },
      text,
    } as Activity;
  }

  async function post(text: string, token: string): Promise<number> {
    const res = await fetch(`${endpoint}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity(text)),
    });
    return res.status;
  }

  beforeAll(async () => {
    bb = await import('botbuilder');
    auth = await startBotFrameworkAuth();
    connector = await startFakeConnector({ accessToken: ACCESS_TOKEN });
    bfAuth = new bb.ConfigurationBotFrameworkAuthentication(auth.config(APP_ID), tokenEndpointCredentials());
    const adapter = new bb.CloudAdapter(bfAuth);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> };
        const response = {
          socket: res.socket,
          status: (code: number) => void (res.statusCode = code),
          header: (name: string, value: unknown) => void res.setHeader(name, String(value)),
          send: (body: unknown) => void res.write(typeof body === 'string' ? body : JSON.stringify(body)),
          end: () => void res.end(),
        };
        void adapter.process(request, response, async (ctx) => {
          received.push(ctx.activity.text);
          await ctx.sendActivity(`echo:${ctx.activity.text}`);
        });
      });
    });
    endpoint = await listen(server);
  });
  afterEach(() => {
    received.length = 0;
    connector.clear();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await closeServer(server);
    await connector.close();
    await auth.close();
  });

  it('accepts a token signed by the published key and replies with an outbound token', async () => {
    const token = await auth.signToken({ appId: APP_ID, serviceUrl: connector.serviceUrl });
    expect(await post('hallo', token)).toBe(200);
    expect(received).toEqual(['hallo']);
    expect(auth.fetches.metadata).toBeGreaterThanOrEqual(1);
    expect(auth.fetches.jwks).toBeGreaterThanOrEqual(1);
    expect(connector.activities).toHaveLength(1);
    expect(connector.activities[0]).toMatchObject({
      kind: 'reply',
      activityId: '1:inbound-1',
      authorization: `Bearer ${ACCESS_TOKEN}`,
      activity: { text: 'echo:hallo' },
    });
    expect(connector.requests.map((r) => r.op)).toEqual(['token', 'reply']);
  });

  it('refuses /v3 calls without the bearer token its token endpoint issues', async () => {
    const res = await fetch(`${connector.serviceUrl}v3/conversations/${encodeURIComponent(TEAMS_CONVERSATION)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer forged' },
      body: JSON.stringify({ type: 'message', text: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(connector.activities).toEqual([]);
  });

  it('rejects a token signed by another key (CloudAdapter answers 500, not 401)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const token = await auth.badSignatureToken({ appId: APP_ID, serviceUrl: connector.serviceUrl });
    expect(await post('vervalst', token)).toBe(500);
    expect(received).toEqual([]);
    expect(connector.activities).toEqual([]);
    const err = await rejection(bfAuth.authenticateRequest(activity('vervalst'), `Bearer ${token}`));
    expect(err).toMatchObject({ name: 'JsonWebTokenError', message: 'invalid signature' });
  });

  it('needs ToBotFromChannelTokenIssuer next to BotOpenIdMetadata, or refuses every token', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ToBotFromChannelTokenIssuer: _dropped, ...withoutIssuer } = auth.config(APP_ID);
    const partial = new bb.ConfigurationBotFrameworkAuthentication(withoutIssuer, tokenEndpointCredentials());
    const token = await auth.signToken({ appId: APP_ID, serviceUrl: connector.serviceUrl });
    const err = await rejection(partial.authenticateRequest(activity('x'), `Bearer ${token}`));
    expect(err).toMatchObject({ message: 'Unauthorized. No valid identity.' });
    await expect(bfAuth.authenticateRequest(activity('x'), `Bearer ${token}`)).resolves.toMatchObject({
      claimsIdentity: { isAuthenticated: true },
    });
  });

  it.each(['expiredToken', 'wrongAudienceToken', 'wrongIssuerToken'] as const)('rejects %s with 401', async (kind) => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const token = await auth[kind]({ appId: APP_ID, serviceUrl: connector.serviceUrl });
    expect(await post(kind, token)).toBe(401);
    expect(received).toEqual([]);
  });

  it('rejects a valid token whose serviceurl claim names another service', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const token = await auth.signToken({ appId: APP_ID, serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    expect(await post('andere dienst', token)).toBe(401);
    expect(received).toEqual([]);
  });
});
