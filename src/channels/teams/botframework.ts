import type { Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationReference, TurnContext } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { RetryLaterError } from '../../turns/runner.js';
import type { OutgoingActivity } from './cards.js';
import { routeConsole } from './console.js';
import { isWellFormedActivity } from './input.js';
import type { Pacer } from './pace.js';
import type { ConversationIo } from './speaker.js';
import { checkTeamsCredentials } from './token.js';

/**
 * The Bot Framework SDK glue, and the only file that imports botbuilder (loaded only when Teams is configured: it
 * costs ~0.7 s and ~80 MB at start-up). Microsoft moved the SDK to maintenance in favour of the Microsoft 365
 * Agents SDK; the rest of the channel speaks plain activities (`Incoming`, `OutgoingActivity`), so a switch
 * replaces this file only.
 *
 * Authentication: with `MICROSOFT_APP_ID` set, the adapter validates every request's JWT (issuer, audience,
 * signature, expiry, endorsements, service URL); a request that fails gets 401 and nothing is processed.
 * CloudAdapter answers 500 for some of those failures (a bad signature surfaces as jsonwebtoken's error), so
 * any failure before the turn starts is answered 401 here. Without an app id only tests may run
 * (`TEAMS_ALLOW_UNAUTHENTICATED`, which the configuration refuses outside `NODE_ENV=test`).
 */

/** The Bot Framework channel service's token issuer (public cloud), required next to custom OpenID metadata. */
const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export type Credentials = ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1];

/** A message activity as the channel reads it. */
export interface Incoming {
  id?: string;
  text?: string;
  value?: unknown;
  attachments?: unknown[];
  locale?: string;
  replyToId?: string;
  from: { id: string; aadObjectId?: string; name?: string };
  conversation: { id: string; conversationType?: string; tenantId?: string };
  channelData?: unknown;
  /** The fields of its conversation reference needed to write first (names and the last activity id left out). */
  reference: Record<string, unknown>;
}

export interface BotFrameworkOptions {
  config: Config;
  app: FastifyInstance;
  log: Logger;
  pacer: Pacer;
  /** Outbound credentials instead of the ones made from `MICROSOFT_APP_*` (tests: a local token endpoint). */
  credentialsFactory?: Credentials;
  onMalformed?: () => void;
  /** A message; throwing `RetryLaterError` answers 503 so the Connector delivers it again. */
  onMessage(message: Incoming, io: ConversationIo): Promise<void>;
}

export interface BotFramework {
  /** Runs `say` in a conversation the bot writes to first. */
  continueWith(ref: Record<string, unknown>, say: (io: ConversationIo) => Promise<void>): Promise<void>;
  stop(): void;
}

function referenceOf(a: Activity): Partial<ConversationReference> {
  const c = a.conversation;
  return {
    channelId: a.channelId,
    serviceUrl: a.serviceUrl,
    conversation: { id: c.id, conversationType: c.conversationType, tenantId: c.tenantId, isGroup: c.isGroup } as ConversationReference['conversation'],
    user: { id: a.from.id, aadObjectId: a.from.aadObjectId } as ConversationReference['user'],
    bot: { id: a.recipient.id } as ConversationReference['bot'],
  };
}

export async function createBotFramework(opts: BotFrameworkOptions): Promise<BotFramework> {
  const { config, app, log, pacer } = opts;
  const appId = config.MICROSOFT_APP_ID ?? '';
  if (!opts.credentialsFactory) await checkTeamsCredentials(config);
  const bb = await import('botbuilder');
  const restoreConsole = routeConsole(log);
  const settings = {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: config.MICROSOFT_APP_PASSWORD,
    MicrosoftAppType: config.MICROSOFT_APP_TYPE ?? 'MultiTenant',
    MicrosoftAppTenantId: config.MICROSOFT_APP_TENANT_ID,
    ...(config.BOT_OPENID_METADATA ? { BotOpenIdMetadata: config.BOT_OPENID_METADATA, ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER } : {}),
  };
  const credentials = opts.credentialsFactory ?? new bb.ConfigurationServiceClientCredentialFactory(settings);
  const adapter: CloudAdapter = new bb.CloudAdapter(new bb.ConfigurationBotFrameworkAuthentication(settings, credentials));

  function ioOf(ctx: TurnContext): ConversationIo {
    const conversation = ctx.activity.conversation;
    return {
      send: async (a: OutgoingActivity) => (await pacer.run(conversation.id, () => ctx.sendActivity(a as Partial<Activity>)))?.id,
      update: async (id: string, a: OutgoingActivity) => {
        await pacer.run(conversation.id, () => ctx.updateActivity({ ...(a as Partial<Activity>), id, conversation }));
      },
    };
  }

  app.post('/api/messages', async (req, reply) => {
    const body = req.body as Record<string, unknown>;
    if (!isWellFormedActivity(body)) {
      opts.onMalformed?.();
      log.warn('teams: malformed activity acknowledged and ignored');
      return reply.code(200).send('');
    }
    let started = false;
    let failure: unknown;
    const res = { statusCode: 200, body: undefined as unknown };
    const response = {
      socket: req.raw.socket,
      status: (code: number) => void (res.statusCode = code),
      header: () => undefined,
      send: (b: unknown) => void (res.body = b),
      end: () => undefined,
    };
    await adapter.process({ method: 'POST', headers: req.headers, body }, response, async (ctx) => {
      started = true;
      try {
        if (ctx.activity.type === 'message') await opts.onMessage({ ...(ctx.activity as unknown as Incoming), reference: referenceOf(ctx.activity) as Record<string, unknown> }, ioOf(ctx));
        // An invoke the bot has no use for still gets its answer; without one botbuilder replies 501 and Teams retries.
        else if (ctx.activity.type === 'invoke') await ctx.sendActivity({ type: 'invokeResponse', value: { status: 200 } });
      } catch (err) {
        failure = err;
      }
    });
    if (!started) {
      log.warn({ status: res.statusCode }, 'teams: request refused (authentication)');
      return reply.code(401).send({ error: 'unauthorized' });
    }
    if (failure) {
      log.error({ err: (failure as Error).name, reason: (failure as Error).message }, 'teams: turn failed');
      return reply.code(failure instanceof RetryLaterError ? 503 : 500).send({ error: 'try again later' });
    }
    return reply.code(res.statusCode).send(res.body ?? '');
  });

  return {
    continueWith: async (ref, say) => {
      await adapter.continueConversationAsync(appId, ref as Partial<ConversationReference>, (ctx) => say(ioOf(ctx)));
    },
    stop: restoreConsole,
  };
}
