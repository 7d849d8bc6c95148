import type { Checkins } from '../../checkins/port.js';
import type { Locale } from '../../survey/schema.js';

/**
 * The embedded default's first impression: with nothing configured, `npm start` makes one demo check-in (a short
 * child check-in, young register) and prints its web link, so a newcomer can click through the real page —
 * memory store, responses in the JSONL file — without a worker, an API token or a chat app.
 */
export async function createDemoWebLink(checkins: Checkins, locale: Locale): Promise<string> {
  const { checkin } = await checkins.create({ flow: 'child-checkin', caseRef: 'DEMO', respondent: { role: 'child', ageBand: 'young' }, locale }, 'demo');
  const invite = checkins.invite(checkin);
  if (!invite) throw new Error('the demo check-in has no invite');
  return invite.webLink!;
}
