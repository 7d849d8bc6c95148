import { migrate } from './migrate.js';
import { openPg } from './pg.js';
import { openPglite } from './pglite.js';
import type { Db } from './port.js';

export type { Db } from './port.js';

/**
 * The database the configuration names, migrated: a PostgreSQL server when `databaseUrl` is set, otherwise
 * embedded PostgreSQL in `dataDir` (in memory when that is undefined too).
 */
export async function openDb(opts: { databaseUrl?: string; dataDir?: string }): Promise<Db> {
  const db = opts.databaseUrl ? openPg(opts.databaseUrl) : await openPglite(opts.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
