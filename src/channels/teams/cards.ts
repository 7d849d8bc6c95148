import type { TFunction } from 'i18next';
import type { Prompt } from '../../conversation/types.js';
import type { LastCard } from './records.js';

/**
 * Neutral prompts and the worker's screens as Teams messages: Adaptive Cards (schema 1.4, which Teams renders on
 * desktop, web and mobile) and plain-text messages. Pure JSON, no SDK: the Bot Framework SDK and the Microsoft 365
 * Agents SDK both send these activities as they are.
 *
 * A question card has one `Action.Submit` per answer, in the engine's rows (one `ActionSet` each, ≤ 6 actions,
 * Teams' limit per set). Each carries `{ fb: <the engine's button data> }`, which names the item and the state
 * revision, so a press on an old card is recognised by the engine. Worker screens carry `{ wk: … }`.
 */

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export type Card = Record<string, unknown>;

export interface OutgoingActivity {
  type: 'message';
  text?: string;
  textFormat?: 'plain';
  attachments?: Array<{ contentType: string; content: Card }>;
}

/** What a card press sends back (Teams puts a card's submit data in `activity.value`). */
export interface SubmitData {
  fb?: string;
  wk?: 'form' | 'create';
}

const MAX_ACTIONS_PER_SET = 6;

export const textActivity = (text: string): OutgoingActivity => ({ type: 'message', text, textFormat: 'plain' });

export const cardActivity = (card: Card): OutgoingActivity => ({ type: 'message', attachments: [{ contentType: ADAPTIVE_CARD, content: card }] });

function card(body: Card[]): Card {
  return { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.4', msteams: { width: 'Full' }, body };
}

/** One TextBlock per line (Adaptive Card markdown folds single line breaks); an empty line becomes extra space. */
function textBlocks(text: string): Card[] {
  const blocks: Card[] = [];
  let gap = false;
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      gap = blocks.length > 0;
      continue;
    }
    blocks.push({ type: 'TextBlock', text: line, wrap: true, spacing: blocks.length === 0 ? 'None' : gap ? 'Medium' : 'None' });
    gap = false;
  }
  return blocks;
}

const progressBlock = (progress: string): Card => ({ type: 'TextBlock', text: progress, size: 'Small', isSubtle: true, spacing: 'None' });

function actionSets(rows: Array<Array<{ title: string; data: SubmitData }>>): Card[] {
  const sets: Card[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i += MAX_ACTIONS_PER_SET) {
      const actions = row.slice(i, i + MAX_ACTIONS_PER_SET).map((b) => ({ type: 'Action.Submit', title: b.title, data: b.data }));
      sets.push({ type: 'ActionSet', actions });
    }
  }
  return sets;
}

/**
 * A question as a card. `progress` is the rendered progress line ("Vraag 3 van 15"); the engine puts it on the
 * first line of the text too, so it is taken off there and shown small above the question instead.
 * Returns the card and the question text as shown, to redraw the card once it is answered.
 */
export function questionCard(prompt: Prompt, progress?: string): { card: Card; text: string } {
  const text = progress && prompt.text.startsWith(`${progress}\n`) ? prompt.text.slice(progress.length + 1) : prompt.text;
  const rows = (prompt.buttons ?? []).map((row) => row.map((b) => ({ title: b.label, data: { fb: b.data } })));
  return { card: card([...(progress ? [progressBlock(progress)] : []), ...textBlocks(text), ...actionSets(rows)]), text };
}

/** The same question after it was answered (or passed by): no buttons left, the chosen answer underneath. */
export function answeredCard(last: Pick<LastCard, 'text' | 'progress'>, chosen: string | null): Card {
  const answer: Card[] = chosen ? [{ type: 'TextBlock', text: chosen, wrap: true, weight: 'Bolder', color: 'Good', spacing: 'Medium' }] : [];
  return card([...(last.progress ? [progressBlock(last.progress)] : []), ...textBlocks(last.text), ...answer]);
}

/** Offered to a worker who writes something that is not a command: one button to the check-in form. */
export function workerMenuCard(t: TFunction): Card {
  return card([...textBlocks(t('teams:worker.menu')), ...actionSets([[{ title: t('teams:worker.new'), data: { wk: 'form' } }]])]);
}

export interface FormChoices {
  flows: Array<{ id: string; title: string }>;
  languages: Array<{ id: string; title: string }>;
  defaults: { language: string; firstName?: string };
}

/** The check-in form: questionnaire, who answers it (role and age band), language, case reference, first name. */
export function workerFormCard(t: TFunction, choices: FormChoices): Card {
  const choiceSet = (id: string, label: string, options: Array<{ id: string; title: string }>, value?: string): Card => ({
    type: 'Input.ChoiceSet', id, label, isRequired: true, style: 'compact', ...(value ? { value } : {}),
    errorMessage: t('teams:worker.form.required'), choices: options.map((o) => ({ title: o.title, value: o.id })),
  });
  const who = ['parent', 'young', 'teen'].map((id) => ({ id, title: t(`teams:worker.form.who_${id}`) }));
  return card([
    { type: 'TextBlock', text: t('teams:worker.form.title'), weight: 'Bolder', size: 'Medium', wrap: true },
    choiceSet('flow', t('teams:worker.form.flow'), choices.flows, choices.flows[0]?.id),
    choiceSet('who', t('teams:worker.form.who'), who),
    choiceSet('lng', t('teams:worker.form.language'), choices.languages, choices.defaults.language),
    { type: 'Input.Text', id: 'caseRef', label: t('teams:worker.form.caseRef'), isRequired: true, maxLength: 64, errorMessage: t('teams:worker.form.required') },
    { type: 'Input.Text', id: 'firstName', label: t('teams:worker.form.firstName'), maxLength: 40, ...(choices.defaults.firstName ? { value: choices.defaults.firstName } : {}) },
    ...actionSets([[{ title: t('teams:worker.form.create'), data: { wk: 'create' } }]]),
  ]);
}

/** The new check-in: links to share, the QR code to show or print, and until when it can be opened. */
export function inviteCard(t: TFunction, invite: { links: Array<{ label: string; url: string }>; qrPng: string | null; expires: string }): Card {
  return card([
    ...textBlocks(t('teams:worker.created')),
    { type: 'FactSet', facts: invite.links.map((l) => ({ title: l.label, value: `[${l.url}](${l.url})` })) },
    ...(invite.qrPng ? [{ type: 'Image', url: invite.qrPng, altText: t('teams:worker.qr'), size: 'Large', horizontalAlignment: 'Center' }] : []),
    ...textBlocks(t('teams:worker.expires', { date: invite.expires })),
  ]);
}
