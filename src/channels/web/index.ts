import type { ChannelDefinition } from '../kit/port.js';
import { createWebChannel } from './channel.js';

/** The web chat from a link: always on, no account needed; every invite has its link. */
export const web: ChannelDefinition = {
  name: 'web',
  keys: [
    { kind: 'web record', pattern: /^fb:\{web:[^}]+\}:/, holds: 'the web conversation’s cookie state', lives: 'conversation', answers: false },
  ],
  account: false,
  enabled: () => true,
  async create({ core, app, checkins, limiter }) {
    createWebChannel({ core, app, checkins, limiter });
    return { mode: 'on', stop: async () => {} };
  },
  invite: (_, baseUrl) => ({ target: 'web', label: 'web', link: (token) => `${baseUrl}/c/${token}`, missing: 'there is no web link' }),
};
