import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTeamsChannel } from '../../../src/channels/teams/channel.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { startBotFrameworkAuth, type BotFrameworkAuthServer } from '../../support/bot-framework-auth.js';
import type { FakeConnector } from '../../support/fake-connector.js';
import { message, post, sentTo, startHarness, type Harness } from './harness.js';

/**
 * Bot Framework authentication through botbuilder's real JWT validation, trusting a local issuer
 * (`BOT_OPENID_METADATA`, test-only). Every refused request must leave no trace: no reply, no conversation,
 * no stored conversation reference. Storage is the embedded memory store here: teams.test.ts owns Redis DB 5.
 */

const APP_ID = '00000000-feed-4bac-8000-000000000b07';
const ACCESS_TOKEN = 'outbound-access-token-teams';

/** Outbound credentials from the fake Connector's token endpoint (botbuilder's MSAL refuses http authorities). */
function tokenEndpointCredentials(connector: FakeConnector) {
  return {
    isValidAppId: async (appId: string) => appId === APP_ID,
    isAuthenticationDisabled: async () => false,
    createCredentials: async () => ({
      async signRequest<R extends { headers: { set(name: string, value: string): void } }>(request: R): Promise<R> {
        const res = await fetch(connector.tokenUrl!, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP_ID }) });
        const { access_token } = (await res.json()) as { access_token: string };
        request.headers.set('authorization', `Bearer ${access_token}`);
        return request;
      },
    }),
  };
}

let auth: BotFrameworkAuthServer;
let h: Harness;
beforeAll(async () => {
  auth = await startBotFrameworkAuth();
  h = await startHarness({
    env: { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'not-used-in-tests', BOT_OPENID_METADATA: auth.metadataUrl },
    accessToken: ACCESS_TOKEN,
    channel: (connector) => ({ credentialsFactory: tokenEndpointCredentials(connector) }),
    redis: false,
  });
});
afterEach(() => {
  h.connector.clear();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await h.close();
  await auth.close();
});

const keyOf = (user: string) => `teams:${h.core.pseudonymise('teams', user)}`;

/** Whether the channel kept a conversation reference: only then can it write first (a reminder). */
async function canWriteFirst(user: string): Promise<boolean> {
  const before = h.connector.activities.length;
  await h.core.outbound.get('teams')!.send(keyOf(user), [{ kind: 'message', text: 'Herinnering' }]);
  return h.connector.activities.length > before;
}

async function nothingProcessed(user: string): Promise<void> {
  expect(h.connector.requests).toEqual([]);
  expect(await h.core.store.load(keyOf(user))).toBeUndefined();
  expect(await canWriteFirst(user)).toBe(false);
}

describe('Teams authentication', () => {
  it('accepts a token from the channel service and replies with the bot’s own token', async () => {
    const user = '11111111-2222-4333-8444-000000000001';
    const token = await auth.signToken({ appId: APP_ID, serviceUrl: h.connector.serviceUrl });
    expect(await post(h, message(h, user, { text: 'hallo' }), token)).toBe(200);
    const [reply] = sentTo(h, user);
    expect(reply).toMatchObject({ kind: 'reply', authorization: `Bearer ${ACCESS_TOKEN}`, activity: { text: expect.stringMatching(/uitnodiging/) } });
    expect(await canWriteFirst(user)).toBe(true);
    expect(h.connector.activities.at(-1)).toMatchObject({ conversationId: `a:personal-${user}`, activity: { text: 'Herinnering' } });
  });

  const refused: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['a bad signature', () => auth.badSignatureToken({ appId: APP_ID, serviceUrl: h.connector.serviceUrl })],
    ['the wrong audience', () => auth.wrongAudienceToken({ appId: APP_ID, serviceUrl: h.connector.serviceUrl })],
    ['an expired token', () => auth.expiredToken({ appId: APP_ID, serviceUrl: h.connector.serviceUrl })],
    ['the wrong issuer', () => auth.wrongIssuerToken({ appId: APP_ID, serviceUrl: h.connector.serviceUrl })],
    ['a token for another service URL', () => auth.signToken({ appId: APP_ID, serviceUrl: 'https://smba.trafficmanager.net/emea/' })],
  ];
  it.each(refused)('refuses %s with 401 and processes nothing', async (_what, tokenFor) => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // CloudAdapter prints every refusal
    const user = `11111111-2222-4333-8444-${String(refused.findIndex(([w]) => w === _what) + 10).padStart(12, '0')}`;
    const checkin = (await h.wiring.checkins.create({ flow: 'parent-checkin', caseRef: 'AUTH-1', respondent: { role: 'parent' } }, 'test')).checkin;
    expect(await post(h, message(h, user, { text: `start ${checkin.token}` }), await tokenFor())).toBe(401);
    await nothingProcessed(user);
    expect((await h.wiring.checkins.get(checkin.id))?.status).toBe('created');
  });
});

describe('Teams configuration', () => {
  it('refuses the unauthenticated switch and the test issuer outside tests, and a half-configured app', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ NODE_ENV: 'production', PSEUDONYM_KEY: 'k'.repeat(32), TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).join()).toMatch(/TEAMS_ALLOW_UNAUTHENTICATED/);
    expect(problems({ NODE_ENV: 'development', BOT_OPENID_METADATA: 'http://127.0.0.1:1/x' }).join()).toMatch(/BOT_OPENID_METADATA/);
    expect(problems({ NODE_ENV: 'production', PSEUDONYM_KEY: 'k'.repeat(32), MICROSOFT_APP_ID: APP_ID }).join()).toMatch(/MICROSOFT_APP_PASSWORD is missing/);
    expect(problems({ NODE_ENV: 'test', MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'x', TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).join()).toMatch(/cannot be combined/);
    expect(problems({ TEAMS_WORKER_IDS: '7a7a7a7a-1111-4222-8333-444455556666' }).join()).toMatch(/TEAMS_WORKER_TENANT_ID/);
  });

  it('will not start without an app id unless it is a test that asked for it', async () => {
    const config = { ...h.core.config, MICROSOFT_APP_ID: undefined, TEAMS_ALLOW_UNAUTHENTICATED: undefined };
    await expect(createTeamsChannel({ core: { ...h.core, config }, app: h.app })).rejects.toThrow(/MICROSOFT_APP_ID/);
    const production = { ...config, NODE_ENV: 'production' as const, TEAMS_ALLOW_UNAUTHENTICATED: true };
    await expect(createTeamsChannel({ core: { ...h.core, config: production }, app: h.app })).rejects.toThrow(/only tests/);
  });
});
