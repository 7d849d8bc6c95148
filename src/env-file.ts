import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reads `.env` from the working directory when there is one (Node's own parser, no package), so `npm start` and
 * `node dist/main.js` honour the file `.env.example` invites you to write. Variables already set in the
 * environment win over the file. Returns the file's path, for the start-up line to say what was read.
 */
export function loadDotEnv(file = resolve('.env')): string | undefined {
  if (!existsSync(file)) return undefined;
  process.loadEnvFile(file);
  return file;
}
