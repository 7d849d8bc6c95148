/**
 * Operator commands for the reference backend (`npm run backend:admin -- <command>`), on the database the
 * environment names (DATABASE_URL, or the embedded one in DATA_DIR/backend — stop the backend first: embedded
 * PostgreSQL allows one process):
 *   access --pseudonym <p> | --case <ref>   everything held about a respondent or a case, as JSON (subject access request)
 *   erase --pseudonym <p>                  deletes that respondent's rows everywhere; the erasure log keeps counts only
 *   retention                              applies the retention periods now
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { databaseOf, loadBackendConfig, retentionOf } from './config.js';
import { openDb } from './db/open.js';
import type { Db } from './db/port.js';
import { eraseRespondent } from './erasure.js';
import { applyRetention } from './retention.js';
import { subjectData } from './subject.js';

const USAGE = 'usage: npm run backend:admin -- access --pseudonym <p> | access --case <ref> | erase --pseudonym <p> | retention';

/** Runs one command; returns the exit code. Output goes through `out`. */
export async function runBackendCli(argv: readonly string[], db: Db, periods: Parameters<typeof applyRetention>[1], out: (line: string) => void): Promise<number> {
  const { positionals, values } = parseArgs({ args: [...argv], allowPositionals: true, strict: false, options: { pseudonym: { type: 'string' }, case: { type: 'string' } } });
  const pseudonym = typeof values.pseudonym === 'string' ? values.pseudonym : undefined;
  const caseRef = typeof values.case === 'string' ? values.case : undefined;
  switch (positionals[0]) {
    case 'access':
      if (!pseudonym === !caseRef) break;
      out(JSON.stringify(await subjectData(db, pseudonym ? { pseudonym } : { caseRef: caseRef! }), null, 2));
      return 0;
    case 'erase':
      if (!pseudonym) break;
      out(JSON.stringify(await eraseRespondent(db, pseudonym, 'request')));
      return 0;
    case 'retention':
      out(JSON.stringify(await applyRetention(db, periods)));
      return 0;
  }
  out(USAGE);
  return 2;
}

async function main(): Promise<void> {
  const config = loadBackendConfig();
  const db = await openDb(databaseOf(config));
  try {
    process.exitCode = await runBackendCli(process.argv.slice(2), db, retentionOf(config), (line) => process.stdout.write(`${line}\n`));
  } finally {
    await db.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
