import { z } from 'zod';
import type { Prompt } from '../../conversation/types.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import type { Outgoing } from './render.js';

/**
 * WhatsApp's customer-service window: a business may send free-form messages only within 24 hours of the person's
 * last message. Outside it, only an approved message template may open the conversation again; what the bot meant
 * to say is held until the person answers it (or writes anything), and then said in full.
 *
 * `WHATSAPP_TEMPLATES` names those templates by purpose (`reminder`: an unfinished check-in; `checkin`: a
 * follow-up check-in) and optionally by language. Meta keeps one template name with a version per language, so
 * `reminder=fb_reminder` serves every language the template was approved in; `reminder.fr=fb_rappel` names another
 * one for French. Written as `reminder=fb_reminder,checkin=fb_checkin,reminder.fr=fb_rappel`, or as the JSON object
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

/** The template for `kind` in language `lng`, if one is configured: its own for that language, else the shared name. */
export function templateFor(templates: Templates | undefined, kind: TemplateKind, lng: Locale): { name: string; language: Locale } | undefined {
  const name = templates?.[`${kind}.${lng}`] ?? templates?.[kind];
  return name && LOCALES.includes(lng) ? { name, language: lng } : undefined;
}

export const WINDOW_MS = 24 * 3600_000;
/** A message that leaves in the window's last minute may arrive after it closed. */
const MARGIN_MS = 60_000;

export const insideWindow = (lastInbound: number | undefined, now: number): boolean => lastInbound !== undefined && now < lastInbound + WINDOW_MS - MARGIN_MS;

/** A template message; without parameters, so approval is simple and nothing personal is in it. */
export const templateMessage = (t: { name: string; language: Locale }): Outgoing => ({ type: 'template', template: { name: t.name, language: { code: t.language, policy: 'deterministic' } } });

/**
 * What is held behind a template: from the first question on (the template already said the reminder's words);
 * everything when there is no question.
 */
export function heldBehindTemplate(prompts: Prompt[]): Prompt[] {
  const first = prompts.findIndex((p) => p.kind === 'question');
  return first === -1 ? prompts : prompts.slice(first);
}
