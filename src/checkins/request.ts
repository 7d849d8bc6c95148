import { z } from 'zod';
import { AgeBand, Locale, Role } from '../survey/schema.js';

/**
 * The body of `POST /v1/checkins` (and of the CLI), validated in one place. Every problem is reported by field
 * path (`respondent.ageBand`), one message each, so a case system can show it next to the right input.
 */

/** Opaque references from the case system: any printable text, no control characters. */
const opaque = (max: number, what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a string`) }).min(1, `${what} must not be empty`).max(max, `${what} must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]+$/u, `${what} must not contain control characters`);

export const MAX_EXPIRES_IN_HOURS = 24 * 90;
/** A check-in may be planned up to a year ahead (milestones come months apart): its keys' TTLs follow from it. */
export const MAX_SEND_AHEAD_DAYS = 365;

export const CheckinBody = z
  .object({
    flow: z.string({ error: 'flow is required (a flow id such as "parent-checkin")' }).min(1, 'flow is required').max(40, 'unknown flow'),
    caseRef: opaque(64, 'caseRef'),
    /** The worker's team in the case system: responses carry it, so the backend shows the case to that team. */
    teamRef: opaque(64, 'teamRef').optional(),
    respondent: z
      .object({
        role: z.enum(Role.options, { error: 'role must be "parent" or "child"' }),
        ageBand: z.enum(AgeBand.options, { error: 'ageBand must be "young" or "teen"' }).optional(),
      }, { error: 'respondent is required: { role, ageBand? }' })
      .strict(),
    worker: z.object({ firstName: opaque(40, 'firstName').optional() }, { error: 'worker must be an object' }).strict().optional(),
    locale: z.enum(Locale.options, { error: `locale must be one of ${Locale.options.join(', ')}` }).optional(),
    expiresInHours: z
      .number({ error: 'expiresInHours must be a number' })
      .int('expiresInHours must be a whole number')
      .min(1, 'expiresInHours must be at least 1')
      .max(MAX_EXPIRES_IN_HOURS, `expiresInHours must be at most ${MAX_EXPIRES_IN_HOURS} (90 days)`)
      .optional(),
    idempotencyKey: z.string({ error: 'idempotencyKey must be a string' }).regex(/^[\x21-\x7E]{1,128}$/, 'idempotencyKey must be 1–128 printable ASCII characters without spaces').optional(),
    respondentRef: opaque(64, 'respondentRef').optional(),
    sendAt: z.iso
      .datetime({ offset: true, error: 'sendAt must be an ISO 8601 date-time, e.g. 2026-12-01T09:00:00Z' })
      .refine((at) => Date.parse(at) <= Date.now() + MAX_SEND_AHEAD_DAYS * 24 * 3600_000, `sendAt must be at most ${MAX_SEND_AHEAD_DAYS} days ahead`)
      .optional(),
  }, { error: 'the body must be a JSON object' })
  .strict();

export type CheckinBody = z.infer<typeof CheckinBody>;

/** One message per field path; unknown fields are named one by one. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  const add = (path: string, message: string) => void (fields[path || 'body'] ??= message);
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add(path ? `${path}.${key}` : key, 'unknown field');
    else add(path, issue.message);
  }
  return fields;
}
