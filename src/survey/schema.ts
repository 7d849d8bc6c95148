import { z } from 'zod';

/**
 * The questionnaire as data. A research team edits `flows/*.yaml` and `locales/`, never code:
 * everything the engine needs to ask, parse and score an item is described here.
 */

export const LOCALES = ['nl', 'fr', 'en'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

export const Role = z.enum(['parent', 'child']);
export type Role = z.infer<typeof Role>;

/** Children's wording comes in two registers, chosen by the check-in's age band (i18next context). */
export const AgeBand = z.enum(['young', 'teen']);
export type AgeBand = z.infer<typeof AgeBand>;

const id = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, "_" or "-", at most 40');

/**
 * A scale: the values a respondent may choose. `numeric` scales also accept digits and number words;
 * `labelled` scales (smileys) accept only their labels and synonyms from `locales/<lng>/scales.json`.
 */
export const Scale = z
  .object({
    type: z.enum(['numeric', 'labelled']),
    values: z.array(z.number().int().min(-100).max(100)).min(2).max(11),
    /** How buttons are laid out: one row, or rows of at most `perRow` buttons. */
    perRow: z.number().int().min(1).max(8).default(6),
  })
  .strict()
  .refine((s) => new Set(s.values).size === s.values.length, { message: 'values must be distinct' })
  .refine((s) => s.values.every((v, i) => i === 0 || v > s.values[i - 1]!), { message: 'values must be increasing' });
export type Scale = z.infer<typeof Scale>;

/** Show an item only when an earlier answer fits (e.g. ask "why?" only for low scores). */
export const Condition = z
  .object({
    item: id,
    lte: z.number().optional(),
    gte: z.number().optional(),
    in: z.array(z.union([z.number(), z.string()])).optional(),
    answered: z.boolean().optional(),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

const ItemBase = {
  id,
  required: z.boolean().default(false),
  when: Condition.optional(),
};

export const ScaleItem = z
  .object({
    ...ItemBase,
    kind: z.literal('scale'),
    scale: id,
    domain: id.optional(),
    reverse: z.boolean().default(false),
    /** An optional open question right after the answer ("what makes you give this number?"). */
    followUp: z.object({ id, when: Condition.omit({ item: true }).optional() }).strict().optional(),
  })
  .strict();

export const ChoiceItem = z
  .object({
    ...ItemBase,
    kind: z.literal('choice'),
    /** Unscored: options are named answers (labels in `items.json` under `<id>_options`). */
    options: z.array(id).min(2).max(10),
  })
  .strict();

export const TextItem = z
  .object({ ...ItemBase, kind: z.literal('text'), maxLength: z.number().int().min(1).max(4000).default(2000) })
  .strict();

export const Item = z.discriminatedUnion('kind', [ScaleItem, ChoiceItem, TextItem]);
export type Item = z.infer<typeof Item>;
export type ScaleItem = z.infer<typeof ScaleItem>;

export const Flag = z.discriminatedUnion('type', [
  /** Any answered item of `domain` at or below `atMost` (raw value), e.g. a safety scale ≤ 3. */
  z.object({ type: z.literal('itemAtMost'), domain: id, atMost: z.number() }).strict(),
  /** A domain score (0–100) below `below`, e.g. fidelity < 50. */
  z.object({ type: z.literal('domainBelow'), domain: id, below: z.number().min(0).max(100) }).strict(),
  /** The safety net fired during the conversation. */
  z.object({ type: z.literal('safetyNet') }).strict(),
]);
export type Flag = z.infer<typeof Flag>;

export const Flow = z
  .object({
    id,
    version: z.number().int().min(1),
    status: z.enum(['adapted', 'validated']),
    sources: z.array(z.string().min(1)).min(1),
    audience: z.object({ role: Role, ageBands: z.array(AgeBand).optional() }).strict(),
    intro: z
      .object({
        /** Who sees the answers: the worker, or only anonymised totals. */
        visibility: z.enum(['worker', 'aggregate']),
        minutes: z.number().int().min(1).max(30),
      })
      .strict(),
    /** Whether an unfinished conversation may be sent as `response.partial` (on /stop or expiry). */
    allowPartial: z.boolean().default(false),
    reminders: z
      .object({ count: z.number().int().min(0).max(3).default(1), afterHours: z.number().min(0).default(24) })
      .strict()
      .default({ count: 1, afterHours: 24 }),
    lifetimeHours: z.number().min(1).max(24 * 90).default(168),
    /** Flow-local scales; merged over `flows/scales.yaml`. */
    scales: z.record(id, Scale).default({}),
    items: z.array(Item).min(1).max(60),
    scoring: z
      .object({
        domains: z.array(id),
        /** A domain score is null when fewer than this share of its items was answered. */
        minAnsweredShare: z.number().min(0).max(1).default(0.6),
        flags: z.record(z.string().regex(/^[a-z][A-Za-z0-9_]{0,39}$/, 'a flag name in camelCase'), Flag).default({}),
      })
      .strict(),
  })
  .strict();
export type FlowFile = z.infer<typeof Flow>;

/** A loaded flow: the file plus everything resolved at load time, so no turn re-parses anything. */
export interface LoadedFlow extends FlowFile {
  scales: Record<string, Scale>;
  hash: string;
  /** Item index by id. */
  index: Map<string, number>;
}
