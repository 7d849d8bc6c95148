import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Bank } from '../../survey/load.js';
import { canSeeFreeText } from '../access.js';
import { userOf, type ViewContext } from '../context.js';
import { codebook } from './codebook.js';
import { answersCsv, responsesCsv } from './csv.js';
import { ExportFilters } from './filters.js';

/**
 * Research exports, for researchers and admins: `/exports/answers.csv` (long), `/exports/responses.csv` (wide),
 * `/exports/codebook.json`, each filtered by `flow`, `version`, `from`, `to`. Case references are pseudonymised;
 * free text is included only for a user who may see it. Every export is written to the audit log.
 */
export function registerExports(app: FastifyInstance, ctx: ViewContext, bank: Bank): void {
  const guard = { preHandler: ctx.requireUser(['researcher', 'admin']) };
  const download = (reply: FastifyReply, name: string, type: string) =>
    ctx.pageHeaders(reply).header('content-type', type).header('content-disposition', `attachment; filename="${name}"`);

  const route = (name: string, type: string, render: (f: ExportFilters, freeText: boolean) => Promise<string>) =>
    app.get(`/exports/${name}`, guard, async (req, reply) => {
      const parsed = ExportFilters.safeParse(req.query);
      if (!parsed.success) {
        return reply.code(400).send({ error: 'bad filter', problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`) });
      }
      const user = userOf(req);
      const freeText = canSeeFreeText(user);
      await ctx.audit(user, `export.${name}`, null, { ...parsed.data, freeText });
      return download(reply, name, type).send(await render(parsed.data, freeText));
    });

  route('answers.csv', 'text/csv; charset=utf-8', (f, freeText) => answersCsv(ctx.db, f, freeText));
  route('responses.csv', 'text/csv; charset=utf-8', (f, freeText) => responsesCsv(ctx.db, bank, f, freeText));
  route('codebook.json', 'application/json; charset=utf-8', async (f) => `${JSON.stringify(await codebook(ctx.db, bank, f), null, 2)}\n`);
}
