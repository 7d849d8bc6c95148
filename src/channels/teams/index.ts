import type { ChannelDefinition } from '../kit/port.js';
import { createTeamsChannel, teamsEnabled } from './channel.js';

/** Microsoft Teams: on with `MICROSOFT_APP_ID` (botbuilder is loaded only then). Invites are shared from Teams itself. */
export const teams: ChannelDefinition = {
  name: 'teams',
  keys: [
    { kind: 'Teams conversation reference', pattern: /^fb:\{[^}]+\}:teams$/, holds: 'conversation reference (ids, service URL)', lives: 'consent', answers: false },
    { kind: 'Teams last card', pattern: /^fb:\{[^}]+\}:teams:card$/, holds: 'the last question card (a review shows the answers)', lives: 'conversation', answers: true },
  ],
  account: true,
  enabled: teamsEnabled,
  async create({ core, app, checkins, onMalformed }) {
    const channel = await createTeamsChannel({ core, app, checkins, onMalformed });
    return { mode: 'on', stop: () => channel.stop() };
  },
};
