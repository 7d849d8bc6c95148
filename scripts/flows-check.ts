import { createTexts } from '../src/i18n.js';
import { createEngine } from '../src/conversation/engine.js';
import { checkBank } from '../src/survey/check.js';
import { FlowLoadError, loadBank } from '../src/survey/load.js';

/** `npm run flows:check [flowDir localeDir]`: loads every flow and locale and checks they agree. */
const [flowDir = 'flows', localeDir = 'locales'] = process.argv.slice(2);
try {
  const bank = loadBank({ flowDirs: [flowDir], localeDirs: [localeDir] });
  createEngine(bank, createTexts(bank.resources));
  const problems = checkBank(bank);
  for (const p of problems) console.error(`- ${p}`);
  const flows = [...bank.versions.values()].map((f) => `${f.id}@${f.version} (${f.items.length} items, ${f.hash.slice(0, 19)}…)`);
  console.log(problems.length ? `${problems.length} problem(s)` : `ok: ${flows.join(', ')}`);
  process.exit(problems.length ? 1 : 0);
} catch (err) {
  console.error(err instanceof FlowLoadError ? err.message : err);
  process.exit(1);
}
