import { describe, expect, it } from 'vitest';
import { whatsappEnabled } from '../../../src/channels/whatsapp/channel.js';
import { templateFor } from '../../../src/channels/whatsapp/window.js';
import { ConfigError, loadConfig } from '../../../src/config.js';

/** The WhatsApp variables: on only with all four credentials, the number kept as digits, templates in two spellings. */

const FOUR = { WHATSAPP_ACCESS_TOKEN: 'EAAtoken', WHATSAPP_PHONE_NUMBER_ID: '109876543210987', WHATSAPP_APP_SECRET: 'app-secret', WHATSAPP_VERIFY_TOKEN: 'verify' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('WhatsApp configuration', () => {
  it('is off without the variables, on with all four, and names what is missing when half-configured', () => {
    expect(whatsappEnabled(loadConfig({}))).toBe(false);
    expect(whatsappEnabled(loadConfig(FOUR))).toBe(true);
    expect(problems({ WHATSAPP_ACCESS_TOKEN: 'EAAtoken', WHATSAPP_APP_SECRET: 's' })).toEqual([
      'WHATSAPP_PHONE_NUMBER_ID: WHATSAPP_PHONE_NUMBER_ID is missing: WhatsApp is half-configured (WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET set)',
      'WHATSAPP_VERIFY_TOKEN: WHATSAPP_VERIFY_TOKEN is missing: WhatsApp is half-configured (WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET set)',
    ]);
  });

  it('keeps the number as digits for wa.me, defaults the API root to Meta\'s, and refuses plain http elsewhere', () => {
    const config = loadConfig({ ...FOUR, WHATSAPP_NUMBER: '+32 470 12 34 56' });
    expect(config.WHATSAPP_NUMBER).toBe('32470123456');
    expect(loadConfig({ ...FOUR, WHATSAPP_NUMBER: '0032 (470) 12-34-56' }).WHATSAPP_NUMBER).toBe('32470123456');
    expect(config.WHATSAPP_API_ROOT).toMatch(/^https:\/\/graph\.facebook\.com\/v\d+\.\d+$/);
    expect(problems({ ...FOUR, WHATSAPP_NUMBER: '0470 12 34 56' })[0]).toMatch(/^WHATSAPP_NUMBER: /);
    expect(problems({ ...FOUR, WHATSAPP_API_ROOT: 'http://graph.example.org/v23.0' })[0]).toMatch(/^WHATSAPP_API_ROOT: .*https/);
  });

  it('reads templates as name pairs or JSON, the language\'s own before the shared one', () => {
    const pairs = loadConfig({ ...FOUR, WHATSAPP_TEMPLATES: 'reminder=fb_reminder, checkin=fb_checkin,reminder.fr=fb_rappel' }).WHATSAPP_TEMPLATES;
    const json = loadConfig({ ...FOUR, WHATSAPP_TEMPLATES: '{"reminder":{"nl":"fb_reminder","fr":"fb_rappel"},"checkin":"fb_checkin"}' }).WHATSAPP_TEMPLATES;
    expect(templateFor(pairs, 'reminder', 'fr')).toEqual({ name: 'fb_rappel', language: 'fr' });
    expect(templateFor(pairs, 'reminder', 'en')).toEqual({ name: 'fb_reminder', language: 'en' });
    expect(templateFor(json, 'reminder', 'en')).toBeUndefined();
    expect(templateFor(json, 'checkin', 'en')).toEqual({ name: 'fb_checkin', language: 'en' });
    expect(templateFor(undefined, 'checkin', 'nl')).toBeUndefined();
    for (const bad of ['reminder', 'followup=x', 'reminder=Has Spaces', 'reminder.de=x', '{"reminder":7}', '[1]']) {
      expect(problems({ ...FOUR, WHATSAPP_TEMPLATES: bad })[0], bad).toMatch(/^WHATSAPP_TEMPLATES: /);
    }
  });
});
