/**
 * `npm run bench`: runs every benchmark in turn, each in its own process (so one's load does not skew the
 * next), and passes their JSON lines through. `startup` and `peer` measure the built server, so they build
 * first (once; the compiler's output goes to stderr); `peer` also builds its two grammY bots into dist/bench/.
 * Each benchmark must end within BENCH_TIMEOUT_S (default 900 s): past it, it is stopped (SIGTERM: it stops its
 * bots) and reported. Never part of the tests.
 */
import { spawnSync } from 'node:child_process';

const BENCHES = ['engine', 'safety', 'sessions', 'runner', 'telegram', 'delivery', 'backend', 'startup', 'peer'];
const BUILDS: Record<string, string[][]> = {
  startup: [['npm', 'run', 'build']],
  peer: [['npm', 'run', 'build'], ['npx', 'tsc', '-p', 'bench/tsconfig.peers.json']],
};
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;
const only = process.argv.slice(2);
const built = new Set<string>();
let failed = 0;

/** Runs each build command not run yet; false (reported) when one fails. */
function build(name: string): boolean {
  for (const cmd of BUILDS[name] ?? []) {
    if (built.has(cmd.join(' '))) continue;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 2, 'inherit'] });
    if (r.status !== 0) {
      console.error(JSON.stringify({ bench: name, error: `${cmd.join(' ')} failed` }));
      return false;
    }
    built.add(cmd.join(' '));
  }
  return true;
}

for (const name of BENCHES.filter((b) => only.length === 0 || only.includes(b))) {
  if (!build(name)) {
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit', timeout: TIMEOUT_MS, killSignal: 'SIGTERM' });
  if (r.status !== 0) {
    failed++;
    const why = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' ? `did not finish within ${TIMEOUT_MS / 1000} s and was stopped` : `exited ${r.status ?? r.signal}`;
    console.error(JSON.stringify({ bench: name, error: why }));
  }
}
process.exit(failed ? 1 : 0);
