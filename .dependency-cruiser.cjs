/**
 * The layering of docs/architecture.md, enforced (test/ops/layers.test.ts runs these rules; `npm run layers`
 * prints what breaks them). Paths match with or without a leading folder, so the same rules run on the rule
 * fixtures in test/fixtures/layering/.
 */
const SRC = '(?:^|/)src/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-is-pure',
      comment: 'The conversation engine and the survey data are pure: no storage, delivery, check-ins, channels, turns, HTTP or process wiring.',
      severity: 'error',
      from: { path: `${SRC}(?:conversation|survey)/` },
      to: { path: `${SRC}(?:channels|sessions|delivery|checkins|turns|http|backend|ops)/|${SRC}(?:app|main|metrics|config|startup|process-main)\\.ts$` },
    },
    {
      name: 'channel-to-channel',
      comment: 'A channel is its own folder: it may use the kit, never another channel.',
      severity: 'error',
      from: { path: `${SRC}channels/([^/]+)/`, pathNot: `${SRC}channels/kit/` },
      to: { path: `${SRC}channels/[^/]+/`, pathNot: [`${SRC}channels/$1/`, `${SRC}channels/kit/`] },
    },
    {
      name: 'kit-names-no-channel',
      comment: 'The kit is what every channel shares: it knows none of them.',
      severity: 'error',
      from: { path: `${SRC}channels/kit/` },
      to: { path: `${SRC}channels/`, pathNot: `${SRC}channels/kit/` },
    },
    {
      name: 'channels-through-the-list',
      comment: 'Outside src/channels/ the channels are reached through the channel list and the kit only (a channel\'s settings.ts is read with the configuration; main.ts, the composition root, also starts the terminal chat).',
      severity: 'error',
      from: { path: SRC, pathNot: [`${SRC}channels/`, `${SRC}main\\.ts$`] },
      to: { path: `${SRC}channels/`, pathNot: [`${SRC}channels/list\\.ts$`, `${SRC}channels/kit/`, `${SRC}channels/[^/]+/settings\\.ts$`] },
    },
    {
      name: 'backend-is-separate',
      comment: 'The monitoring backend is its own service: it shares the response document and HTTP helpers, not the bot.',
      severity: 'error',
      from: { path: `${SRC}backend/` },
      to: { path: `${SRC}(?:channels|turns|sessions|checkins|conversation)/|${SRC}app\\.ts$` },
    },
    {
      name: 'no-circular',
      comment: 'Cycles hide the order things are built in; the late-bound ones are what the turn service removed. Type-only imports count too: a type cycle is a design cycle.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
