/**
 * `npm run bench`: runs every benchmark in turn, each in its own process (so one's load does not skew the
 * next), and passes their JSON lines through. `startup` measures the built server, so it builds first (the
 * compiler's output goes to stderr). Never part of the tests.
 */
import { spawnSync } from 'node:child_process';

const BENCHES = ['engine', 'sessions', 'runner', 'telegram', 'delivery', 'backend', 'startup'];
const only = process.argv.slice(2);
let failed = 0;
for (const name of BENCHES.filter((b) => only.length === 0 || only.includes(b))) {
  if (name === 'startup') {
    const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 'inherit'] });
    if (build.status !== 0) {
      failed++;
      console.error(JSON.stringify({ bench: name, error: 'npm run build failed' }));
      continue;
    }
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(JSON.stringify({ bench: name, error: `exited ${r.status}` }));
  }
}
process.exit(failed ? 1 : 0);
