import type { ChannelDefinition } from '../kit/port.js';
import { createWhatsAppChannel, whatsappEnabled } from './channel.js';

/** WhatsApp (Cloud API): on with its four variables; invites carry a wa.me link with `WHATSAPP_NUMBER`. */
export const whatsapp: ChannelDefinition = {
  name: 'whatsapp',
  keys: [
    { kind: 'WhatsApp record', pattern: /^fb:\{[^}]+\}:wa$/, holds: 'WhatsApp id (the number), language, window start, hashed ids of the question’s messages', lives: 'consent', answers: false },
    { kind: 'WhatsApp held messages', pattern: /^fb:\{[^}]+\}:wa:held$/, holds: 'what a template stands in for until answered (a review shows the answers)', lives: 'conversation', answers: true },
  ],
  account: true,
  enabled: whatsappEnabled,
  async create({ core, app, checkins, onMalformed, onError }) {
    const channel = createWhatsAppChannel({ core, app, checkins, onMalformed, onError });
    return { mode: 'on', settled: () => channel.settled(), stop: () => channel.stop() };
  },
  invite: (config) => ({
    target: 'whatsapp',
    label: 'WhatsApp',
    // The field is left out of the invite when the channel is off: the invite contract predates the channel.
    link: (token) => (whatsappEnabled(config) && config.WHATSAPP_NUMBER ? `https://wa.me/${config.WHATSAPP_NUMBER}?text=start%20${token}` : undefined),
    missing: 'there is no WhatsApp link: the channel or WHATSAPP_NUMBER is not configured',
  }),
};
