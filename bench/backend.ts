/**
 * Reference backend figures: `npx tsx bench/backend.ts` (PostgreSQL at TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; a throw-away database is created and dropped).
 * For embedded PGlite and for the server: N signed webhooks through `POST /webhooks` (verify, one transaction each,
 * 16 in flight) → stored per second; then the long and the wide export of all of them → milliseconds.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { buildBackend } from '../src/backend/app.js';
import { openDb } from '../src/backend/db/open.js';
import type { Db } from '../src/backend/db/port.js';
import type { ResponseDocument } from '../src/survey/payload.js';
import { createSigner } from '../src/delivery/sign.js';
import { loadBank } from '../src/survey/load.js';

const N = Number(process.env.BENCH_WEBHOOKS ?? 2_000);
const IN_FLIGHT = 16;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const bank = loadBank({ flowDirs: ['flows'], localeDirs: ['locales'] });
const flow = bank.flows.get('parent-checkin')!;
const sign = createSigner([SECRET]);

function doc(i: number): ResponseDocument {
  const at = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
  const items = flow.items.filter((it) => it.kind === 'scale');
  return {
    type: 'response.completed', id: `bench_${i}_${randomUUID()}`, checkinId: `chk_${i}`, caseRef: `CASE-${i % 200}`, teamRef: `team-${i % 7}`,
    flow: { id: flow.id, version: flow.version, hash: flow.hash }, respondent: { role: 'parent', ageBand: null, pseudonym: `ps_${i % 400}` },
    locale: 'nl', channel: 'bench', startedAt: at, completedAt: at,
    answers: items.map((it) => ({ item: it.id, value: 3, status: 'answered' as const, score: 50, label: 'neutraal', answeredAt: at, comment: 'Een opmerking.' })),
    scores: Object.fromEntries(flow.scoring.domains.map((d) => [d, { score: 50, answered: 1, of: 1 }])),
    flags: { lowSafety: false, safetyConcern: false, lowFidelity: false },
  };
}

async function run(kind: string, db: Db): Promise<void> {
  const app = buildBackend({ db, bank, webhookSecrets: [SECRET], signalOverdueMinutes: 60 });
  await app.ready();
  const docs = Array.from({ length: N }, (_, i) => doc(i));
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < docs.length) {
      const d = docs[next++]!;
      const body = JSON.stringify(d);
      const res = await app.inject({ method: 'POST', url: '/webhooks', payload: body, headers: { 'content-type': 'application/json', 'webhook-id': d.id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': sign(d.id, new Date(), body) } });
      if (res.statusCode !== 204) throw new Error(`webhook answered ${res.statusCode}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const { answersCsv, responsesCsv } = await import('../src/backend/exports/csv.js');
  const t0 = performance.now();
  const long = await answersCsv(db, {}, true);
  const t1 = performance.now();
  await responsesCsv(db, bank, {}, true);
  const t2 = performance.now();
  console.log(JSON.stringify({
    bench: 'backend', database: kind, webhooks: N, storedPerSecond: Math.round(N / seconds),
    longExportMs: Math.round(t1 - t0), longRows: long.split('\n').length - 2, wideExportMs: Math.round(t2 - t1),
  }));
  await app.close();
}

const embedded = await openDb({});
await run('pglite', embedded);
await embedded.close();
const name = `fb_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const server = await openDb({ databaseUrl: url.toString() });
try {
  await run('postgres', server);
} finally {
  await server.close();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
