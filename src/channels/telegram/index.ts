import type { ChannelDefinition } from '../kit/port.js';

/** Telegram: on with `TELEGRAM_BOT_TOKEN`; invites carry a deep link when the bot's username is known. */
export const telegram: ChannelDefinition = {
  name: 'telegram',
  keys: [
    { kind: 'Telegram chat record', pattern: /^fb:\{[^}]+\}:tg$/, holds: 'chat id, language, blocked flag', lives: 'consent', answers: false },
    { kind: 'Telegram last question', pattern: /^fb:\{[^}]+\}:tg:last$/, holds: 'the last question message (a review shows the answers)', lives: 'conversation', answers: true },
  ],
  account: true,
  enabled: (config) => Boolean(config.TELEGRAM_BOT_TOKEN),
  async create({ core, app, checkins, onMalformed, pace }) {
    // grammY is loaded only when the channel is on: a web-only bot idles about 5 MB smaller (medians of five starts: 134 vs 139 MB, Node 20).
    const { createTelegramChannel } = await import('./channel.js');
    const { config } = core;
    const channel = createTelegramChannel({
      core, app, checkins, token: config.TELEGRAM_BOT_TOKEN!, secret: config.TELEGRAM_WEBHOOK_SECRET, apiRoot: config.TELEGRAM_API_ROOT,
      publicUrl: config.PUBLIC_URL, onMalformed, ...(pace ? { pace } : {}),
    });
    return { mode: channel.mode, start: () => channel.start(), stop: () => channel.stop() };
  },
  invite: (config) => ({
    target: 'telegram',
    label: 'Telegram',
    link: (token) => (config.TELEGRAM_BOT_USERNAME ? `https://t.me/${config.TELEGRAM_BOT_USERNAME}?start=${token}` : null),
    missing: 'there is no Telegram link: TELEGRAM_BOT_USERNAME is not configured',
  }),
};
