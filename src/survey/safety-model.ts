import { z } from 'zod';

/**
 * The safety net's classifier as data (`locales/safety-model.json`, written by `npm run safety:train`): hashed
 * n-gram weights of a logistic regression. Read by conversation/safety-classifier.ts.
 */
export const SafetyModel = z.object({
  version: z.literal(1),
  /** Number of hash buckets (a power of two). */
  dims: z.number().int().positive(),
  /** Character n-gram sizes, inclusive. */
  ngrams: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  /** Whether the rules' concepts are features (then the model belongs to the lists it was trained with). */
  concepts: z.boolean(),
  bias: z.number(),
  /** Scores at or above this fire (chosen for recall on the training texts, see the train script). */
  threshold: z.number().min(0).max(1),
  /** Sparse weights: bucket → weight. */
  weights: z.record(z.string(), z.number()),
});
export type SafetyModel = z.infer<typeof SafetyModel>;

export const SAFETY_MODEL_FILE = 'safety-model.json';
