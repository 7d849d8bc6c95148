import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createCore, type Core } from '../../../src/app.js';
import { createWebChannel, type WebChannelOptions } from '../../../src/channels/web/channel.js';
import { createCheckinsFor, type CheckinsWiring } from '../../../src/checkins/index.js';
import { loadConfig } from '../../../src/config.js';
import { createServer, type ServerOptions } from '../../../src/http/server.js';
import type { AgeBand, Locale } from '../../../src/survey/schema.js';
import { redisUrl } from '../../support/redis.js';
import { inviteLinksFor } from '../../../src/channels/list.js';

/**
 * The web chat as `npm start` composes it — core, check-ins, the one Fastify server — on 127.0.0.1 with a free
 * port. With `redisDb` it runs on real Redis (that logical DB, flushed by the caller); without, on the embedded
 * default (memory store, JSONL file sink). `invite()` makes a check-in and returns its id and `/c/<token>` URL.
 */
export interface WebHarness {
  core: Core;
  app: FastifyInstance;
  wiring: CheckinsWiring;
  base: string;
  dataDir: string;
  /** The same path as a web link (which carries PUBLIC_URL) on this server. */
  local(link: string): string;
  invite(o?: { flow?: string; ageBand?: AgeBand; locale?: Locale }): Promise<{ url: string; id: string }>;
  close(): Promise<void>;
}

/** Web links in invites carry PUBLIC_URL; tests reach the same path on the server's real port. */
const PUBLIC_URL = 'https://feedback.example';

export async function startWeb(opts: { redisDb?: number; limits?: WebChannelOptions['limits']; trustProxy?: ServerOptions['trustProxy'] } = {}): Promise<WebHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-web-'));
  const config = loadConfig({
    NODE_ENV: 'test', DATA_DIR: dataDir, PSEUDONYM_KEY: 'w'.repeat(32), PUBLIC_URL,
    ...(opts.redisDb === undefined ? {} : { REDIS_URL: redisUrl(opts.redisDb) }),
  });
  const core = await createCore(config, pino({ level: 'silent' }));
  const wiring = createCheckinsFor(core, inviteLinksFor(config));
  const app = createServer({ trustProxy: opts.trustProxy });
  createWebChannel({ core, app, checkins: wiring.checkins, limits: opts.limits, limiter: wiring.limiter });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const local = (link: string) => `${base}${new URL(link).pathname}`;
  return {
    core, app, wiring, base, dataDir, local,
    async invite({ flow = 'child-checkin', ageBand = 'young', locale = 'nl' } = {}) {
      const role = core.bank.flows.get(flow)!.audience.role;
      const { checkin } = await wiring.checkins.create({ flow, caseRef: 'WEB-TEST', respondent: { role, ...(role === 'child' ? { ageBand } : {}) }, locale }, 'test');
      return { url: local(wiring.checkins.invite(checkin)!.webLink!), id: checkin.id };
    },
    async close() {
      await app.close();
      await wiring.close();
      await core.close();
    },
  };
}
