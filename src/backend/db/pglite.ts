import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { Db } from './port.js';

const parsers = { [types.INT8]: Number, [types.NUMERIC]: Number };

function txDb(tx: Transaction): Db {
  const self: Db = {
    query: async <T>(sql: string, params?: readonly unknown[]) => (await tx.query<T>(sql, params as unknown[])).rows,
    exec: async (sql) => void (await tx.exec(sql)),
    tx: (fn) => fn(self),
    close: async () => {},
  };
  return self;
}

/**
 * Embedded PostgreSQL (compiled to WebAssembly) keeping its files in `dataDir`, or in memory when `dataDir` is
 * undefined (tests). One connection: PGlite queues statements, and a transaction holds the others back.
 */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, { parsers });
  return {
    query: async <T>(sql: string, params?: readonly unknown[]) => (await db.query<T>(sql, params as unknown[])).rows,
    exec: async (sql) => void (await db.exec(sql)),
    tx: (fn) => db.transaction((tx) => fn(txDb(tx))),
    close: () => db.close(),
  };
}
