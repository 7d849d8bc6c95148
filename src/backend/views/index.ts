import type { FastifyInstance } from 'fastify';
import type { ViewContext } from '../context.js';
import { page } from '../http/layout.js';
import { userOf } from '../context.js';

/**
 * PLACEHOLDER owned by the views helper (branch `backendweb`), who replaces this file with the case, flow and
 * safety-signal views. The server calls `registerViews(app, ctx)` once; everything here must sit behind
 * `ctx.requireUser(...)`.
 */
export function registerViews(app: FastifyInstance, ctx: ViewContext): void {
  app.get('/', { preHandler: ctx.requireUser() }, async (req, reply) => {
    const user = userOf(req);
    return ctx.pageHeaders(reply).type('text/html; charset=utf-8').send(page({ title: 'Overview', user, csrf: ctx.csrf.token(req), main: '<h1>Overview</h1>' }));
  });
}
