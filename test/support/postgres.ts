import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb } from '../../src/backend/db/open.js';
import type { Db } from '../../src/backend/db/port.js';

/** The PostgreSQL server tests use (`.ci/run` exports it after making sure one answers). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Both adapters every backend suite runs against: embedded PGlite (in memory) and the real server. */
export const DATABASES = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASES)[number];

/**
 * A fresh, migrated database of `kind`. On the server a new database is created per call (so suites and
 * parallel runs never share rows) and dropped again by `drop`.
 */
export async function freshDb(kind: DatabaseKind): Promise<{ db: Db; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const db = await openDb({});
    return { db, drop: () => db.close() };
  }
  const name = `fb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString() });
  return {
    db,
    async drop() {
      await db.close();
      const again = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
