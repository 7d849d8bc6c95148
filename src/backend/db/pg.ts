import pg from 'pg';
import type { Db } from './port.js';

const NUMBER_TYPES = new Set([20 /* int8 */, 1700 /* numeric */]);
/** Per pool, not `pg.types` globally: counts and averages come back as numbers, like PGlite's. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMBER_TYPES.has(oid) ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A joined transaction: statements go to the client holding BEGIN. */
function clientDb(client: pg.PoolClient): Db {
  const self: Db = {
    query: async <T>(sql: string, params?: readonly unknown[]) => (await client.query(sql, params as unknown[])).rows as T[],
    exec: async (sql) => void (await client.query(sql)),
    tx: (fn) => fn(self),
    close: async () => {},
  };
  return self;
}

/** A PostgreSQL server at `url` (`postgres://user@host:5432/db`). */
export function openPg(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, types, max: 10 });
  // An idle client losing its server is reported here; the next query gets a fresh connection.
  pool.on('error', () => {});
  return {
    query: async <T>(sql: string, params?: readonly unknown[]) => (await pool.query(sql, params as unknown[])).rows as T[],
    exec: async (sql) => void (await pool.query(sql)),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(clientDb(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
