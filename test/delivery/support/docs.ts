import type { ResponseDocument, SafetySignal } from '../../../src/survey/payload.js';

export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A valid response document; `n` makes the id unique, labels carry text a log must never show. */
export function response(n: number, pseudonym = `ps_${n}`): ResponseDocument {
  const at = new Date(Date.UTC(2026, 10, 29, 8, 0, 0)).toISOString();
  return {
    type: 'response.completed',
    id: `rsp_${n}_${Math.random().toString(36).slice(2, 10)}`,
    checkinId: `chk_${n}`,
    caseRef: 'case-42',
    flow: { id: 'parent-checkin', version: 1, hash: `sha256:${'a'.repeat(64)}` },
    respondent: { role: 'parent', ageBand: null, pseudonym },
    locale: 'nl',
    channel: 'telegram',
    startedAt: at,
    completedAt: at,
    answers: [{ item: 'q1', value: 4, status: 'answered', score: 75, label: 'Best goed', answeredAt: at, comment: 'geheime opmerking' }],
    scores: { alliance: { score: 75, answered: 1, of: 1 } },
    flags: { lowSafety: false, safetyConcern: false, lowFidelity: false },
  };
}

export function safetySignal(n: number, pseudonym = `ps_${n}`): SafetySignal {
  return {
    type: 'safety.signal',
    id: `sig_${n}_${Math.random().toString(36).slice(2, 10)}`,
    checkinId: `chk_${n}`,
    caseRef: null,
    flow: { id: 'child-checkin', version: 1 },
    respondent: { role: 'child', ageBand: 'teen', pseudonym },
    categories: ['selfHarm'],
    item: 'q3',
    at: new Date().toISOString(),
  };
}
