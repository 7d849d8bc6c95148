import { readdir, readFile } from 'node:fs/promises';
import type { Db } from './port.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const NAME = /^(\d{3})_[a-z0-9_]+\.sql$/;

/**
 * Plain SQL files `NNN_name.sql`, applied in order, each in its own transaction together with its row in
 * `schema_migrations`, so a failed file leaves nothing half done and a second start applies nothing twice.
 * An advisory lock keeps two backends starting at once from racing.
 */
export async function migrate(db: Db, dir: URL = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => NAME.test(f)).sort();
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied: string[] = [];
  for (const file of files) {
    const sql = await readFile(new URL(file, dir), 'utf8');
    const done = await db.tx(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(4242001)');
      if ((await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [file])).length > 0) return false;
      await tx.exec(sql);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      return true;
    });
    if (done) applied.push(file);
  }
  return applied;
}
