/**
 * The backend's one seam to PostgreSQL. Two adapters implement it — a real server through `pg` and embedded
 * PostgreSQL through PGlite — and both pass the same contract tests, so everything above speaks plain SQL
 * with `$1` parameters and never knows which one runs.
 *
 * Both adapters return `bigint` and `numeric` columns as JS numbers (counts, averages) and `timestamptz` as Date.
 */
export interface Db {
  /** One statement with `$n` parameters; the rows it returns. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. Nested calls join it.
   * Inside `fn` use only the `db` it is given: embedded PGlite has one connection, and a statement sent to the outer
   * Db waits for the transaction to end (it never would).
   */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
