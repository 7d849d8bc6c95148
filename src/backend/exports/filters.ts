import { z } from 'zod';

const day = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { message: 'a date (YYYY-MM-DD) or an ISO date-time' });

/** `?flow=&version=&from=&to=`: `from` inclusive, `to` inclusive of a whole day when it is a date. */
export const ExportFilters = z
  .object({
    flow: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a flow id').optional(),
    version: z.coerce.number({ message: 'a whole number' }).int('a whole number').min(1).optional(),
    from: instant.optional(),
    to: instant.optional(),
  })
  .strict();
export type ExportFilters = z.infer<typeof ExportFilters>;

/** The WHERE clause over `responses r` for these filters, with parameters from `$1`. */
export function responseWhere(f: ExportFilters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (cond: (n: number) => string, value: unknown) => {
    params.push(value);
    parts.push(cond(params.length));
  };
  if (f.flow) add((n) => `r.flow_id = $${n}`, f.flow);
  if (f.version) add((n) => `r.flow_version = $${n}`, f.version);
  if (f.from) add((n) => `r.completed_at >= $${n}`, new Date(f.from));
  if (f.to) add((n) => `r.completed_at < $${n}`, day.test(f.to) ? new Date(Date.parse(f.to) + 86_400_000) : new Date(f.to));
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}
