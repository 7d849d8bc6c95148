import type { Prompt } from '../../conversation/types.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import type { Outgoing } from './render.js';
import type { TemplateKind, Templates } from './settings.js';

/**
 * WhatsApp's customer-service window: a business may send free-form messages only within 24 hours of the person's
 * last message. Outside it, only an approved message template (settings.ts) may open the conversation again; what
 * the bot meant to say is held until the person answers it (or writes anything), and then said in full.
 */

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
