import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/backend/db/migrate.js';
import { openDb } from '../../src/backend/db/open.js';
import type { Db } from '../../src/backend/db/port.js';
import { DATABASES, freshDb } from '../support/postgres.js';

/** The Db port's contract, run against embedded PGlite and the real PostgreSQL server alike. */
describe.each(DATABASES)('Db port on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ db, drop } = await freshDb(kind)));
  afterAll(() => drop());

  it('applied every migration once, in order', async () => {
    const rows = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['001_data.sql', '002_access.sql', '003_settings.sql']);
    expect(await migrate(db)).toEqual([]);
  });

  it('returns counts and averages as numbers and timestamps as dates', async () => {
    const [row] = await db.query<{ n: number; avg: number; at: Date }>("SELECT count(*) AS n, avg(x) AS avg, now() AS at FROM (VALUES (1), (2)) v(x)");
    expect(row).toEqual({ n: 2, avg: 1.5, at: expect.any(Date) });
  });

  it('binds arrays and JSON parameters', async () => {
    const [row] = await db.query<{ hit: boolean; j: unknown }>('SELECT 2 = ANY($1::int[]) AS hit, $2::jsonb AS j', [[1, 2], { a: [1] }]);
    expect(row).toEqual({ hit: true, j: { a: [1] } });
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db.exec('CREATE TABLE t_tx (x int)');
    await db.tx(async (tx) => void (await tx.query('INSERT INTO t_tx VALUES (1)')));
    await expect(db.tx(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES (2)');
      await tx.tx((inner) => inner.query('INSERT INTO t_tx VALUES (3)'));
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await db.query('SELECT x FROM t_tx ORDER BY x')).toEqual([{ x: 1 }]);
  });
});

describe('migrations', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'fb-migrations-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('leaves nothing of a failing file and does not record it', async () => {
    const db = await openDb({});
    await writeFile(join(dir, '900_good.sql'), 'CREATE TABLE good (x int);');
    await writeFile(join(dir, '901_bad.sql'), 'CREATE TABLE half (x int); SELECT * FROM no_such_table;');
    const url = pathToFileURL(`${dir}/`);
    await expect(migrate(db, url)).rejects.toThrow(/no_such_table/);
    const names = (await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name);
    expect(names).toContain('900_good.sql');
    expect(names).not.toContain('901_bad.sql');
    expect(await db.query("SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);
    await db.close();
  });

  it('keeps embedded data in its folder across restarts', async () => {
    const dataDir = join(dir, 'pglite');
    const first = await openDb({ dataDir });
    await first.query("INSERT INTO backend_settings (name, value) VALUES ('probe', 'kept')");
    await first.close();
    const second = await openDb({ dataDir });
    expect(await second.query("SELECT value FROM backend_settings WHERE name = 'probe'")).toEqual([{ value: 'kept' }]);
    await second.close();
  });
});
