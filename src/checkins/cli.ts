/**
 * Creates a check-in from the command line, for operators and the README's walkthrough:
 *   npm run checkin -- --flow parent-checkin --role parent --case ABC123 [--age-band young|teen] [--worker Anna]
 *                      [--locale nl|fr|en] [--hours 168] [--web]
 * It goes through the same service (and validation) as `POST /v1/checkins`, stores the check-in where the bot
 * looks — the bot's Redis, so REDIS_URL is required: without it the check-in would live in this process only,
 * which ends right away, and its link could never work — prints the link(s) and draws the QR code in the
 * terminal (`--web`: the QR carries the web link; plain characters, no colour codes, when stdout is not a terminal).
 */
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { pathToFileURL } from 'node:url';
import { connectRedis } from '../redis/connect.js';
import { ROOT } from '../root.js';
import { inviteLinksFor } from '../channels/list.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { loadBank } from '../survey/load.js';
import { createCheckinsFor } from './index.js';
import { qrLink, qrTerminal } from './links.js';
import type { CheckinRequest } from './port.js';
import { CheckinInvalidError, type CheckinsService } from './service.js';

const USAGE =
  'usage: npm run checkin -- --flow <flow id> --role parent|child --case <case ref> [--age-band young|teen] [--worker <first name>] ' +
  '[--locale nl|fr|en] [--hours <n>] [--web]';

export interface CliDeps {
  checkins: Pick<CheckinsService, 'create' | 'invite' | 'links'>;
  /** Whether check-ins outlive this process (Redis); without it the command refuses. */
  durable: boolean;
  /** Whether `out` writes to a terminal; otherwise no colour codes. */
  tty: boolean;
  out: (line: string) => void;
}

/** Runs the command; returns the exit code (2 for a usage or validation problem). */
export async function runCheckinCli(argv: readonly string[], { checkins, durable, tty, out }: CliDeps): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        flow: { type: 'string' }, role: { type: 'string' }, case: { type: 'string' }, 'age-band': { type: 'string' },
        worker: { type: 'string' }, locale: { type: 'string' }, hours: { type: 'string' }, web: { type: 'boolean' }, help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    out(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!durable) {
    out('REDIS_URL is not set: a check-in must be stored in the Redis the running bot uses, or its link cannot work. Set REDIS_URL to that Redis (the same value as the bot\'s) and run the command again.');
    return 2;
  }
  const req = {
    flow: values.flow, caseRef: values.case, respondent: { role: values.role, ageBand: values['age-band'] },
    worker: values.worker === undefined ? undefined : { firstName: values.worker }, locale: values.locale,
    expiresInHours: values.hours === undefined ? undefined : Number(values.hours),
  } as CheckinRequest;
  let checkin;
  try {
    ({ checkin } = await checkins.create(req, 'cli'));
  } catch (err) {
    if (!(err instanceof CheckinInvalidError)) throw err;
    for (const [field, message] of Object.entries(err.fields)) out(`${field}: ${message}`);
    out(USAGE);
    return 2;
  }
  const invite = checkins.invite(checkin)!;
  out(`check-in ${checkin.id} (${checkin.flow}, ${checkin.role}${checkin.ageBand ? `, ${checkin.ageBand}` : ''}), expires ${checkin.expiresAt}`);
  for (const l of checkins.links) {
    const url = invite[`${l.target}Link`];
    if (url) out(`${`${l.label}:`.padEnd(10)}${url}`);
  }
  const qr = await qrTerminal(qrLink(invite, values.web ? 'web' : undefined)!);
  out(tty ? qr : stripVTControlCharacters(qr));
  return 0;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ level: 'warn' });
  const bank = loadBank({ flowDirs: [`${ROOT}flows`], localeDirs: [`${ROOT}locales`] });
  const redis = connectRedis(config, { maxRetriesPerRequest: 1 });
  try {
    const wiring = createCheckinsFor({ config, bank, redis, log }, inviteLinksFor(config));
    process.exitCode = await runCheckinCli(process.argv.slice(2), { checkins: wiring.checkins, durable: redis !== undefined, tty: process.stdout.isTTY === true, out: (line) => process.stdout.write(`${line}\n`) });
    await wiring.close();
  } finally {
    redis?.disconnect();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
