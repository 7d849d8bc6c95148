import type { ChannelDefinition } from '../kit/port.js';
import { createTeamsChannel, teamsEnabled } from './channel.js';

/** Microsoft Teams: on with `MICROSOFT_APP_ID` (botbuilder is loaded only then). Invites are shared from Teams itself. */
export const teams: ChannelDefinition = {
  name: 'teams',
  account: true,
  enabled: teamsEnabled,
  async create({ core, app, checkins, onMalformed }) {
    const channel = await createTeamsChannel({ core, app, checkins, onMalformed });
    return { mode: 'on', stop: () => channel.stop() };
  },
};
