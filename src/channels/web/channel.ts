import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../app.js';
import type { Checkins } from '../../checkins/port.js';
import { createRateLimiter, type RateLimiter, type Rule } from '../../checkins/rate-limit.js';
import { TOKEN_SHAPE } from '../../checkins/token.js';
import { RetryLaterError } from '../../turns/runner.js';
import { CLOSED_STATES } from '../../conversation/machine.js';
import type { EngineEvent, Input, Prompt, Snapshot } from '../../conversation/types.js';
import { LOCALES, type Locale } from '../../survey/schema.js';
import { ASSETS } from './assets.js';
import { conversationPage, landingPage, noticePage } from './page.js';
import {
  cookieHeader, createCsrf, randomId, pageHeaders, readCookie, sameOrigin,
} from '../../http/security.js';
import { createWebStore, type Flash } from './store.js';

/**
 * Web chat: a family opens `/c/<invite token>` in any browser — no app, no account — and has the same
 * one-question-at-a-time conversation as on Telegram or Teams, run by the same engine and flows.
 *
 * `GET /c/:token` never changes the conversation: it renders the current question from the saved state (plus, once,
 * what the last answer made the bot say). Every action is a form `POST /c/:token` → `runner.handle` → 303 back to
 * the GET, so the page works without JavaScript, a reload resumes at the same question, and a double submit is
 * applied once (each form carries a fresh update id).
 *
 * Binding: the first GET only shows a landing page (link previews and mail scanners fetch links too); its "open"
 * button redeems the invite for this browser's cookie. Another browser is told the link is in use.
 */

export interface WebChannelOptions {
  core: Core;
  app: FastifyInstance;
  checkins: Checkins;
  /** Requests per IP to `/c/…` (default 120 a minute) and turns per browser (default 60 a minute). */
  limits?: { perIp?: Rule; perBrowser?: Rule };
  /** Shared counters (`createCheckinsFor(core).limiter`); by default the channel makes its own on `core.redis`. */
  limiter?: RateLimiter;
}

type Form = Partial<Record<'csrf' | 'u' | 'b' | 'text' | 'cmd' | 'open', string>>;

const NONCE = /^[A-Za-z0-9_-]{22}$/;
/** The browser binding. `__Host-` makes the browser refuse it unless Secure, Path=/ and host-only. */
const BINDING_COOKIE = '__Host-fbw';
/** Set by the landing page only, so its "open" form is CSRF-protected before a binding exists. */
const OPEN_COOKIE = '__Host-fbw-open';
const OPEN_COOKIE_SECONDS = 3600;
/** Commands the footer offers; the engine knows them in every language. */
const COMMANDS: Record<string, string> = { help: '/help', language: '/language' };
/** States in which the respondent is answering: typed answers and another language are offered. */
const ACTIVE = new Set(['asking', 'review', 'pickEdit']);

export function createWebChannel({ core, app, checkins, limits = {}, limiter = createRateLimiter({ redis: core.redis }) }: WebChannelOptions): void {
  const { texts, runner, engine, log } = core;
  const store = createWebStore({ redis: core.redis });
  const perIp = limits.perIp ?? { limit: 120, windowSeconds: 60 };
  const perBrowser = limits.perBrowser ?? { limit: 60, windowSeconds: 60 };
  const csrf = createCsrf(core.pseudonymise);
  const longestHours = Math.max(...[...core.bank.flows.values()].map((f) => f.lifetimeHours));
  const bindingCookieSeconds = (longestHours + 24) * 3600;
  const languageNames = new Map(LOCALES.map((l) => [texts.t(l)(`language.${l}`), l]));
  const publicOrigin = core.config.PUBLIC_URL && new URL(core.config.PUBLIC_URL).origin;

  const pseudonymOf = (browserId: string) => core.pseudonymise('web', browserId);
  const keyOf = (browserId: string) => `web:${pseudonymOf(browserId)}`;
  const guard = (purpose: 'open' | 'turn', id: string) => ({ csrf: csrf.token(purpose, id), nonce: randomId });

  /** The browser's preferred language among ours, for pages shown before a conversation exists. */
  function browserLng(req: FastifyRequest): Locale {
    const accept = String(req.headers['accept-language'] ?? '');
    for (const part of accept.split(',')) {
      const tag = part.trim().slice(0, 2).toLowerCase() as Locale;
      if (LOCALES.includes(tag)) return tag;
    }
    return core.config.DEFAULT_LOCALE;
  }

  function notice(reply: FastifyReply, status: number, lng: Locale, kind: 'used' | 'expired' | 'unknown' | 'gone' | 'busy' | 'stale' | 'error', token?: string) {
    const t = texts.t(lng);
    const text = kind === 'expired' || kind === 'unknown' ? t(`invite.${kind}`) : kind === 'error' ? t('tryAgain') : t(`web:${kind}.text`);
    const link = token && (kind === 'stale' || kind === 'error') ? { href: `/c/${token}`, label: t('web:back') } : undefined;
    return pageHeaders(reply).code(status).type('text/html; charset=utf-8').send(noticePage({ lng, title: t('web:title'), heading: t(`web:${kind}.heading`), text, link }));
  }

  async function allowed(req: FastifyRequest, reply: FastifyReply, bucket: string, id: string, rule: Rule): Promise<boolean> {
    const verdict = await limiter.hit(bucket, id, rule);
    if (verdict.ok) return true;
    reply.header('retry-after', String(verdict.retryAfterSeconds));
    await notice(reply, 429, browserLng(req), 'busy');
    return false;
  }

  /** The page for a bound browser: what the last turn said (once), then the current question from saved state. */
  async function showConversation(req: FastifyRequest, reply: FastifyReply, token: string, browserId: string, key: string) {
    const [loaded, flash] = await Promise.all([core.store.load(key), store.takeFlash(key)]);
    const snap = loaded?.state.snap;
    const lng = snap?.context.lng ?? flash?.lng ?? core.config.DEFAULT_LOCALE;
    const t = texts.t(lng);
    let said = flash?.prompts ?? [];
    let current: Prompt;
    if (snap && !CLOSED_STATES.includes(snap.value)) current = engine.render.ask(runner.flowOf(snap), snap);
    else {
      // A finished (or deleted) conversation: its closing words are the page, or the standing message on a later visit.
      const last = said.map((p) => p.kind).lastIndexOf('message');
      if (last >= 0) [current, said] = [said[last]!, said.filter((_, i) => i !== last)];
      else if (snap) current = engine.render.ask(runner.flowOf(snap), snap);
      else return notice(reply, 200, browserLng(req), 'gone'); // deleted ("/wis") or expired: nothing tells its language
    }
    const html = conversationPage({
      lng, title: t('web:title'), action: `/c/${token}`, guard: guard('turn', browserId), flash: said, current,
      progressText: current.progress && t('progress', { ...current.progress, context: snap?.context.checkin.ageBand ?? undefined }),
      typed: snap && snap.value === 'asking' ? typedKind(snap) : null,
      // Help at any time (also on the closing page); another language while answering.
      nav: snap ? { ...(ACTIVE.has(snap.value) ? { language: t('buttons.otherLanguage') } : {}), help: t('web:help'), label: t('web:more') } : null,
      texts: { help: t('web:help'), typedLabel: t('web:typed.label'), typedTextLabel: t('web:typed.labelText'), send: t('web:typed.send') },
      languageOf: (label) => languageNames.get(label),
    });
    return pageHeaders(reply).type('text/html; charset=utf-8').send(html);
  }

  /** An open question (or a comment after a score) gets a text box; otherwise one line beside the buttons. */
  function typedKind(snap: Snapshot): 'line' | 'text' {
    const item = runner.flowOf(snap).items[snap.context.cursor];
    return snap.context.followUp || item?.kind === 'text' ? 'text' : 'line';
  }

  /** What a turn said besides the question, kept for the GET that follows; an answer is echoed as a notice. */
  async function keepFlash(key: string, prompts: Prompt[], events: EngineEvent[], state: Snapshot | undefined) {
    const lng = state?.context.lng ?? core.config.DEFAULT_LOCALE;
    const t = texts.t(lng);
    const context = state?.context.checkin.ageBand ?? undefined;
    const chosen: Prompt[] = events.flatMap((e) => (e.type === 'answer.recorded' && e.label ? [{ kind: 'notice' as const, text: t('answer.chosen', { label: e.label, context }) }] : []));
    const flash: Flash = { lng, prompts: [...chosen, ...prompts.filter((p) => p.kind !== 'question')] };
    if (flash.prompts.length) await store.putFlash(key, flash);
  }

  const ttlOf = (flowId: string) => ((core.bank.flows.get(flowId)?.lifetimeHours ?? longestHours) + 24) * 3600;

  /** The landing page's "open": redeem the invite for this browser and start (or resume) the conversation. */
  async function open(req: FastifyRequest, reply: FastifyReply, token: string, form: Form) {
    const lng = browserLng(req);
    if (!csrf.check('open', readCookie(req, OPEN_COOKIE), form.csrf)) return notice(reply, 403, lng, 'stale', token);
    const known = readCookie(req, BINDING_COOKIE);
    const browserId = known ?? randomId();
    const key = keyOf(browserId);
    if (!known) reply.header('set-cookie', [cookieHeader(BINDING_COOKIE, browserId, bindingCookieSeconds), cookieHeader(OPEN_COOKIE, '', 0)]);
    if ((await store.binding(key))?.token === token) return reply.redirect(`/c/${token}`, 303);
    const redeemed = await checkins.redeem(token, { conversationKey: key, pseudonym: pseudonymOf(browserId), channel: 'web', ip: req.ip });
    if (!redeemed.ok) {
      log.info({ reason: redeemed.reason }, 'web: invite refused');
      return notice(reply, redeemed.reason === 'unknown' ? 404 : redeemed.reason === 'expired' ? 410 : 409, lng, redeemed.reason);
    }
    const r = await runner.handle({ key, input: { kind: 'open', checkin: redeemed.info }, updateId: NONCE.test(form.u ?? '') ? `web:${form.u}` : undefined });
    await store.bind(key, { token }, ttlOf(redeemed.info.flow));
    if (!r.duplicate) await keepFlash(key, r.prompts, r.events, r.state);
    log.info({ key }, 'web: invite opened');
    return reply.redirect(`/c/${token}`, 303);
  }

  function inputOf(form: Form): Input | undefined {
    if (form.b) return { kind: 'button', data: form.b.slice(0, 64) };
    if (form.cmd && COMMANDS[form.cmd]) return { kind: 'text', text: COMMANDS[form.cmd]! };
    if (form.text?.trim()) return { kind: 'text', text: form.text };
    return undefined;
  }

  async function turn(req: FastifyRequest, reply: FastifyReply, token: string, form: Form) {
    const browserId = readCookie(req, BINDING_COOKIE);
    if (!browserId || !csrf.check('turn', browserId, form.csrf)) return notice(reply, 403, browserLng(req), 'stale', token);
    if (!(await allowed(req, reply, 'web-turn', browserId, perBrowser))) return reply;
    const key = keyOf(browserId);
    const input = inputOf(form);
    if ((await store.binding(key))?.token === token && input) {
      // After "/wis" there is no state left to tell the language of the goodbye; the one before the turn does.
      const before = await core.store.load(key);
      const r = await runner.handle({ key, input, updateId: NONCE.test(form.u ?? '') ? `web:${form.u}` : undefined });
      if (!r.duplicate) await keepFlash(key, r.prompts, r.events, r.state ?? before?.state.snap);
    }
    return reply.redirect(`/c/${token}`, 303);
  }

  /** Storage trouble: say so kindly with a way back, and 503 so nothing caches it. */
  async function guarded(req: FastifyRequest, reply: FastifyReply, token: string, run: () => Promise<unknown>) {
    try {
      if (!(await allowed(req, reply, 'web-ip', req.ip, perIp))) return reply;
      return await run();
    } catch (err) {
      if (!(err instanceof RetryLaterError)) log.error({ err: (err as Error).name, reason: (err as Error).message }, 'web: request failed');
      return notice(reply, 503, browserLng(req), 'error', token);
    }
  }

  for (const asset of Object.values(ASSETS)) {
    app.get(asset.path, (_req, reply) =>
      reply.header('content-type', asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('x-content-type-options', 'nosniff').send(asset.body),
    );
  }

  // Forms are parsed here only: the rest of the server speaks JSON.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.get<{ Params: { token: string } }>('/c/:token', (req, reply) => {
      const { token } = req.params;
      return guarded(req, reply, token, async () => {
        if (!TOKEN_SHAPE.test(token)) return notice(reply, 404, browserLng(req), 'unknown');
        const browserId = readCookie(req, BINDING_COOKIE);
        if (browserId && (await store.binding(keyOf(browserId)))?.token === token) return showConversation(req, reply, token, browserId, keyOf(browserId));
        const lng = browserLng(req);
        const t = texts.t(lng);
        const openId = randomId();
        reply.header('set-cookie', cookieHeader(OPEN_COOKIE, openId, OPEN_COOKIE_SECONDS));
        const html = landingPage({
          lng, title: t('web:title'), action: `/c/${token}`, guard: guard('open', openId),
          heading: t('web:landing.heading'), text: t('web:landing.text'), open: t('web:landing.open'), bind: t('web:landing.bind'),
        });
        return pageHeaders(reply).type('text/html; charset=utf-8').send(html);
      });
    });

    scope.post<{ Params: { token: string }; Body: Form }>('/c/:token', (req, reply) => {
      const { token } = req.params;
      return guarded(req, reply, token, async () => {
        if (!TOKEN_SHAPE.test(token)) return notice(reply, 404, browserLng(req), 'unknown');
        if (!sameOrigin(req, publicOrigin)) return notice(reply, 403, browserLng(req), 'stale', token);
        const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Form;
        return form.open ? open(req, reply, token, form) : turn(req, reply, token, form);
      });
    });
  });
}
