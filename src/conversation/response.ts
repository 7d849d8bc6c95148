import { ResponseDocument, SafetySignal, type Answer } from '../survey/payload.js';
import type { LoadedFlow } from '../survey/schema.js';
import { applies } from '../survey/route.js';
import { score } from '../survey/score.js';
import type { Renderer } from './prompt.js';
import type { Ctx } from './types.js';

/**
 * Builds the documents that leave the bot, validated against their zod schemas so a malformed one fails
 * here, in tests, and never at the receiver. Ids derive from the check-in: one logical response per check-in.
 */

const STATUS = { a: 'answered', d: 'dontKnow', s: 'skipped' } as const;

export function responseId(checkinId: string): string {
  return `resp_${checkinId}`;
}

export function buildResponse(flow: LoadedFlow, ctx: Ctx, type: ResponseDocument['type'], now: Date, render: Renderer): ResponseDocument {
  const scored = score(flow, ctx.answers, ctx.safety.length > 0);
  const answers: Answer[] = [];
  for (const item of flow.items) {
    const a = ctx.answers[item.id];
    if (!a || !applies(item, ctx.answers)) continue;
    answers.push({
      item: item.id,
      value: a.v,
      status: STATUS[a.s],
      score: scored.items[item.id] ?? null,
      label: render.label(flow, ctx, item, a.v, a.s),
      answeredAt: a.at,
      ...(a.c !== undefined ? { comment: a.c } : {}),
    });
  }
  const { checkin } = ctx;
  return ResponseDocument.parse({
    type,
    id: responseId(checkin.id),
    checkinId: checkin.id,
    caseRef: checkin.caseRef,
    ...(checkin.teamRef ? { teamRef: checkin.teamRef } : {}),
    flow: ctx.flow,
    respondent: { role: checkin.role, ageBand: checkin.ageBand, pseudonym: checkin.pseudonym },
    locale: ctx.lng,
    channel: checkin.channel,
    startedAt: ctx.startedAt ?? ctx.openedAt,
    completedAt: now.toISOString(),
    answers,
    scores: scored.domains,
    flags: scored.flags,
  });
}

export function buildSafetySignal(ctx: Ctx, categories: string[], item: string | null, now: Date): SafetySignal {
  const { checkin } = ctx;
  return SafetySignal.parse({
    type: 'safety.signal',
    id: `sig_${checkin.id}_${now.getTime().toString(36)}`,
    checkinId: checkin.id,
    caseRef: checkin.caseRef,
    ...(checkin.teamRef ? { teamRef: checkin.teamRef } : {}),
    flow: { id: ctx.flow.id, version: ctx.flow.version },
    respondent: { role: checkin.role, ageBand: checkin.ageBand, pseudonym: checkin.pseudonym },
    categories,
    item,
    at: now.toISOString(),
  });
}
