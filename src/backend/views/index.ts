import type { FastifyInstance } from 'fastify';
import type { ViewContext } from '../context.js';
import { VIEWS_CSS } from './assets.js';
import { registerCasePage } from './case-page.js';
import { registerFlowPages } from './flow-page.js';
import { registerHomePage } from './home-page.js';
import { registerSignalsPage } from './signals-page.js';

/**
 * The views for people: the overview, a case's trajectory, a questionnaire's aggregates and the safety-signal
 * queue. Every page sits behind `ctx.requireUser`; who sees what is decided in `../access.ts`.
 */
export function registerViews(app: FastifyInstance, ctx: ViewContext): void {
  app.get(VIEWS_CSS.path, (_req, reply) =>
    reply.header('content-type', VIEWS_CSS.type).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(VIEWS_CSS.body));
  registerHomePage(app, ctx);
  registerCasePage(app, ctx);
  registerFlowPages(app, ctx);
  registerSignalsPage(app, ctx);
}
