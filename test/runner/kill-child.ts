/**
 * A core on Redis in its own process, so test/runner/kill.cases.ts can SIGKILL it mid-questionnaire.
 * `answer <key> <pseudonym>`: opens parent-full and types answers one item after the other without pausing,
 * printing `{"saved":n,"item":…,"value":…}` after each saved answer, until killed.
 * `resume <key> <pseudonym>`: opens the same check-in again, prints what the conversation holds and what it asks, exits.
 */
import { pino } from 'pino';
import { createCore } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Respondent } from './support.js';

const [mode, key, pseudonym] = process.argv.slice(2) as [string, string, string];
const core = await createCore(loadConfig({ NODE_ENV: 'test', REDIS_URL: process.env.REDIS_URL, DATA_DIR: process.env.DATA_DIR }), pino({ level: 'silent' }));
const r = new Respondent(core.runner, { key, pseudonym });
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** The value typed for the n-th item (0-based): varied, and always a valid 1–5 answer. */
const valueFor = (n: number) => String((n % 5) + 1);

if (mode === 'answer') {
  await r.open('parent-full');
  await r.press(core.texts.t('nl')('buttons.start'));
  for (let n = 0; ; n++) {
    const { events } = await r.say(valueFor(n));
    for (const e of events) if (e.type === 'answer.recorded') print({ saved: n + 1, item: e.item, value: Number(valueFor(n)) });
    // A short random pause, so the kill lands sometimes between turns and sometimes in the middle of one.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
  }
} else {
  const { prompts } = await r.open('parent-full');
  const conv = await core.store.load(key);
  print({ ask: prompts.at(-1)?.ask, answers: conv?.state.snap.context.answers });
  await core.timers.cancel(key); // the questionnaire's real 24 h reminder: not left behind by the test
  await core.close();
}
