import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botApiFetch } from '../../../src/channels/telegram/fetch.js';
import { startFakeBotApi, type FakeBotApi } from '../../support/fake-bot-api.js';

/** grammY's HTTP client for the Bot API (see src/channels/telegram/fetch.ts), against the fake Bot API on 127.0.0.1. */
let api: FakeBotApi;
let fetchApi: ReturnType<typeof botApiFetch>;
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const url = (method: string) => `${api.apiRoot}/bot${api.token}/${method}`;

beforeAll(async () => {
  api = await startFakeBotApi();
  fetchApi = botApiFetch(api.apiRoot);
});
afterAll(() => api.close());

describe('botApiFetch', () => {
  it('POSTs JSON and hands back what the Bot API answered, errors included', async () => {
    const sent = await (await fetchApi(url('sendMessage'), json({ chat_id: 7, text: 'hallo ✓' }))).json();
    expect(sent).toMatchObject({ ok: true, result: { chat: { id: 7 }, text: 'hallo ✓' } });
    expect(api.messages(7).map((m) => m.text)).toEqual(['hallo ✓']);
    const refused = await (await fetchApi(url('sendMessage'), json({ chat_id: 7, text: ' ' }))).json();
    expect(refused).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
  });

  it('keeps calls apart when many run at once on the kept-alive connections', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `bericht ${i}`);
    const results = await Promise.all(texts.map(async (text) => (await (await fetchApi(url('sendMessage'), json({ chat_id: 8, text }))).json()) as { result: { text: string } }));
    expect(results.map((r) => r.result.text)).toEqual(texts);
  });

  it('rejects when the call is aborted (grammY times calls out this way)', async () => {
    await expect(fetchApi(url('sendMessage'), { ...json({ chat_id: 9, text: 'x' }), signal: AbortSignal.abort() })).rejects.toThrow();
  });
});
