import { z } from 'zod';

/**
 * `WHATSAPP_TEMPLATES`, read with the rest of the configuration (so its errors are named at start-up): the approved
 * templates by purpose (`reminder`: an unfinished check-in; `checkin`: a follow-up check-in) and optionally by
 * language. Meta keeps one template name with a version per language, so `reminder=fb_reminder` serves every
 * language the template was approved in; `reminder.fr=fb_rappel` names another one for French. Written as
 * `reminder=fb_reminder,checkin=fb_checkin,reminder.fr=fb_rappel`, or as the JSON object
 * `{"reminder":"fb_reminder","checkin":{"nl":"fb_checkin_nl"}}`; parsed into `{ "reminder": …, "reminder.fr": … }`.
 */

export const TEMPLATE_KINDS = ['reminder', 'checkin'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export type Templates = Record<string, string>;

const KEY = /^(reminder|checkin)(\.(nl|fr|en))?$/;
/** Meta's template names: lowercase letters, digits and underscores. */
const NAME = /^[a-z0-9_]{1,512}$/;
const MESSAGE = 'WHATSAPP_TEMPLATES must be reminder=<name>,checkin=<name> (per language reminder.<nl|fr|en>=<name>) or that as a JSON object; names are a-z 0-9 _';

function fromJson(text: string): Array<[string, unknown]> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return Object.entries(parsed).flatMap(([kind, v]) =>
      v && typeof v === 'object' ? Object.entries(v).map(([lng, name]): [string, unknown] => [`${kind}.${lng}`, name]) : [[kind, v] as [string, unknown]]);
  } catch {
    return undefined;
  }
}

export const TemplatesSetting = z.string().transform((text, ctx): Templates => {
  const pairs = text.trim().startsWith('{')
    ? fromJson(text)
    : text.split(',').map((p) => p.trim()).filter(Boolean).map((p): [string, unknown] => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]);
  if (!pairs || pairs.some(([k, v]) => !KEY.test(k) || typeof v !== 'string' || !NAME.test(v))) {
    ctx.addIssue({ code: 'custom', message: MESSAGE });
    return {};
  }
  return Object.fromEntries(pairs) as Templates;
});
