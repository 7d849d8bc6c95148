import { z } from 'zod';
import { AgeBand, Locale, Role } from './schema.js';

/**
 * The response document: what leaves the bot for the backend, one per completed (or expired-partial)
 * check-in. Researchers need it clean and versioned: flow id, version and content hash name the exact
 * questions asked. Platform IDs, names and the worker's first name never appear here.
 */

const AnswerValue = z.union([z.number(), z.string(), z.null()]);

export const Answer = z
  .object({
    item: z.string(),
    /** The raw value chosen (scale value, option id, text), or null for "don't know" / skipped. */
    value: AnswerValue,
    status: z.enum(['answered', 'dontKnow', 'skipped']),
    /** Normalised 0–100 (reverse items already turned), null when missing or not scored. */
    score: z.number().min(0).max(100).nullable(),
    /** The label the respondent saw, in their language. */
    label: z.string().nullable(),
    answeredAt: z.iso.datetime(),
    comment: z.string().optional(),
  })
  .strict();
export type Answer = z.infer<typeof Answer>;

export const DomainScore = z
  .object({ score: z.number().min(0).max(100).nullable(), answered: z.number().int().min(0), of: z.number().int().min(0) })
  .strict();
export type DomainScore = z.infer<typeof DomainScore>;

export const Flags = z.object({ lowSafety: z.boolean(), safetyConcern: z.boolean(), lowFidelity: z.boolean() }).catchall(z.boolean());
export type Flags = z.infer<typeof Flags>;

export const ResponseDocument = z
  .object({
    type: z.enum(['response.completed', 'response.partial']),
    id: z.string().min(1).max(80),
    checkinId: z.string().min(1).max(80),
    caseRef: z.string().max(64).nullable(),
    /** The worker's team, when the check-in named one: the backend shows a case to that team's workers. */
    teamRef: z.string().max(64).nullable().optional(),
    flow: z.object({ id: z.string(), version: z.number().int(), hash: z.string().regex(/^sha256:[0-9a-f]{64}$/) }).strict(),
    respondent: z.object({ role: Role, ageBand: AgeBand.nullable(), pseudonym: z.string() }).strict(),
    locale: Locale,
    channel: z.string(),
    startedAt: z.iso.datetime(),
    completedAt: z.iso.datetime(),
    answers: z.array(Answer),
    scores: z.record(z.string(), DomainScore),
    flags: Flags,
  })
  .strict();
export type ResponseDocument = z.infer<typeof ResponseDocument>;

/** Sent at once when the safety net fires; carries no text the respondent typed. */
export const SafetySignal = z
  .object({
    type: z.literal('safety.signal'),
    id: z.string(),
    checkinId: z.string(),
    caseRef: z.string().max(64).nullable(),
    teamRef: z.string().max(64).nullable().optional(),
    flow: z.object({ id: z.string(), version: z.number().int() }).strict(),
    respondent: z.object({ role: Role, ageBand: AgeBand.nullable(), pseudonym: z.string() }).strict(),
    /** Which lists matched (e.g. "selfHarm") or "lowSafetyScale". */
    categories: z.array(z.string()).min(1),
    item: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .strict();
export type SafetySignal = z.infer<typeof SafetySignal>;

/**
 * A respondent's "/wis" reaches the backend: delete every row of this pseudonym. Carries nothing but the
 * pseudonym (already a keyed hash) and when.
 */
export const RespondentErased = z
  .object({
    type: z.literal('respondent.erased'),
    id: z.string().min(1).max(80),
    respondent: z.object({ pseudonym: z.string().min(1).max(64) }).strict(),
    at: z.iso.datetime(),
  })
  .strict();
export type RespondentErased = z.infer<typeof RespondentErased>;
