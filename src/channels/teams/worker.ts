import type { TFunction } from 'i18next';
import { qrcode, qrLink } from '../../checkins/links.js';
import type { Checkin, CheckinRequest, Invite } from '../../checkins/port.js';
import type { Config } from '../../config.js';
import type { Bank } from '../../survey/load.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import { inviteCard, workerFormCard, type Card } from './cards.js';

/**
 * The worker's side of Teams: a worker types `checkin` (or presses the button the bot offers), fills in the form
 * (questionnaire, who answers, language, case reference, their first name) and gets the invite to share: the
 * links and a QR code. Who is a worker is configuration: `TEAMS_WORKER_TENANT_ID` and the Entra ID object ids in
 * `TEAMS_WORKER_IDS`. Both come from the activity, which the Bot Framework token vouches for.
 */

export interface TeamsUser {
  aadObjectId?: string;
  tenantId?: string;
}

export function isWorker(config: Pick<Config, 'TEAMS_WORKER_TENANT_ID' | 'TEAMS_WORKER_IDS'>, user: TeamsUser): boolean {
  const ids = config.TEAMS_WORKER_IDS ?? [];
  if (!config.TEAMS_WORKER_TENANT_ID || !user.aadObjectId || user.tenantId !== config.TEAMS_WORKER_TENANT_ID) return false;
  return ids.some((id) => id.toLowerCase() === user.aadObjectId!.toLowerCase());
}

/** The form, in the worker's language; their first name (the first word of their Teams name) filled in. */
export function checkinForm(t: TFunction, bank: Pick<Bank, 'flows'>, lng: Locale, displayName?: string): Card {
  const flows = [...bank.flows.values()].map((f) => ({ id: f.id, title: t(`teams:worker.flows.${f.id}`, { defaultValue: f.id }) }));
  const languages = LOCALES.map((l) => ({ id: l, title: t(`language.${l}`) }));
  const firstName = displayName?.trim().split(/\s+/)[0]?.slice(0, 40);
  return workerFormCard(t, { flows, languages, defaults: { language: lng, ...(firstName ? { firstName } : {}) } });
}

/**
 * The submitted form as a check-in request; the check-in service checks it (flow, role and age band agree).
 * `formId` (the form card's activity id) makes a double press create one check-in, not two.
 */
export function checkinRequest(fields: Record<string, string>, formId: string | undefined): CheckinRequest {
  const who = fields.who;
  const firstName = fields.firstName?.trim();
  return {
    flow: fields.flow ?? '',
    caseRef: (fields.caseRef ?? '').trim(),
    respondent: who === 'young' || who === 'teen' ? { role: 'child', ageBand: who } : { role: 'parent' },
    ...(firstName ? { worker: { firstName } } : {}),
    ...(LOCALES.includes(fields.lng as Locale) ? { locale: fields.lng as Locale } : {}),
    ...(formId ? { idempotencyKey: `teams-form:${formId}`.slice(0, 128) } : {}),
  };
}

/**
 * A Teams chat deep link that opens a chat with the bot with `start <token>` filled in, for families whose
 * organisation has them on Teams. Needs the bot's app id.
 */
export function teamsLink(appId: string, token: string): string {
  return `https://teams.microsoft.com/l/chat/0/0?users=28:${encodeURIComponent(appId)}&message=${encodeURIComponent(`start ${token}`)}`;
}

/** The invite as a card: every link there is, and a QR code (PNG: Teams does not draw SVG in cards). */
export async function inviteFor(t: TFunction, checkin: Checkin, invite: Invite, appId: string | undefined): Promise<Card> {
  const links = [
    ...Object.entries(invite).flatMap(([field, url]) => (field.endsWith('Link') && url ? [{ label: t(`teams:worker.links.${field.slice(0, -4)}`), url }] : [])),
    ...(appId ? [{ label: t('teams:worker.links.teams'), url: teamsLink(appId, invite.token) }] : []),
  ];
  const target = qrLink(invite);
  const qrPng = target ? await (await qrcode()).toDataURL(target, { errorCorrectionLevel: 'M', margin: 2, width: 256 }) : null;
  return inviteCard(t, { links, qrPng, expires: checkin.expiresAt.slice(0, 10) });
}
