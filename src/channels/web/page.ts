import type { Button, Contact, Prompt } from '../../conversation/types.js';
import { decodeButton } from '../../conversation/input.js';
import { MAX_TYPED_CHARS } from '../../conversation/limits.js';
import type { Locale } from '../../survey/schema.js';
import { escapeHtml } from '../../http/html.js';
import { ASSETS } from './assets.js';

/**
 * The web chat's HTML, as pure functions of what is to be shown: no state, no I/O. Plain forms that post back
 * to the page (post-redirect-get), so the whole conversation works without JavaScript; the one script only moves
 * focus. Every text comes from the caller (locales), every value is escaped here.
 */

export interface Layout {
  lng: Locale;
  title: string;
  main: string;
  footer?: string;
}

export function layout({ lng, title, main, footer }: Layout): string {
  return `<!doctype html>
<html lang="${lng}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${ASSETS.css.path}">
<script src="${ASSETS.js.path}" defer></script>
</head>
<body>
<main>
${main}
</main>
${footer ? `<footer>\n${footer}\n</footer>\n` : ''}</body>
</html>
`;
}

/** Hidden fields of every form: the CSRF token and a fresh id, so a double submit is applied once. */
export interface FormGuard {
  csrf: string;
  nonce: () => string;
}

const formStart = (action: string, guard: FormGuard, attrs = '') =>
  `<form method="post" action="${escapeHtml(action)}"${attrs}>\n<input type="hidden" name="csrf" value="${escapeHtml(guard.csrf)}"><input type="hidden" name="u" value="${guard.nonce()}">`;

const paragraphs = (lines: string[], cls = '') =>
  lines.filter((l) => l.trim()).map((l) => `<p${cls ? ` class="${cls}"` : ''}>${escapeHtml(l)}</p>`).join('\n');

/** A notice page (link in use, expired, too many requests…): a heading, a text, maybe a way back. */
export function noticePage(o: { lng: Locale; title: string; heading: string; text: string; link?: { href: string; label: string } }): string {
  const link = o.link ? `\n<p><a href="${escapeHtml(o.link.href)}">${escapeHtml(o.link.label)}</a></p>` : '';
  return layout({ lng: o.lng, title: `${o.heading} – ${o.title}`, main: `<h1 id="q" tabindex="-1">${escapeHtml(o.heading)}</h1>\n${paragraphs(o.text.split('\n'))}${link}` });
}

/** Before the invite is bound: nothing happens on a GET (link previews and mail scanners fetch it too). */
export function landingPage(o: { lng: Locale; title: string; action: string; guard: FormGuard; heading: string; text: string; open: string; bind: string }): string {
  const main = `<h1 id="q" tabindex="-1">${escapeHtml(o.heading)}</h1>
${paragraphs([o.text])}
${formStart(o.action, o.guard, ' class="answers"')}
<button type="submit" name="open" value="1" class="main">${escapeHtml(o.open)}</button>
</form>
${paragraphs([o.bind], 'small')}`;
  return layout({ lng: o.lng, title: `${o.heading} – ${o.title}`, main });
}

/** Help lines as links a phone can call. */
function contactList(contacts: Contact[]): string {
  const items = contacts.map((c) => {
    const shown = c.name === c.number ? c.number : `${c.name} ${c.number}`;
    return `<li><a href="tel:${escapeHtml(c.number.replace(/[^\d+]/g, ''))}">${escapeHtml(shown)}</a><br>${escapeHtml(c.what)}</li>`;
  });
  return `<ul>\n${items.join('\n')}\n</ul>`;
}

/** A prompt with help lines ends with one line per contact; the lines before them are what the bot says. */
function withoutContacts(p: Prompt): string[] {
  const lines = p.text.split('\n');
  return lines.slice(0, lines.length - (p.contacts?.length ?? 0));
}

function helpSection(p: Prompt, heading: string, id: string): string {
  return `<section class="help" aria-labelledby="${id}">\n<h2 id="${id}">${escapeHtml(heading)}</h2>\n${paragraphs(withoutContacts(p))}\n${contactList(p.contacts ?? [])}\n</section>`;
}

export interface ConversationView {
  lng: Locale;
  title: string;
  action: string;
  guard: FormGuard;
  /** Said by the last turn besides the question: notices are shown quietly, messages and help take focus. */
  flash: Prompt[];
  /** The question being asked, or the closing message of a finished conversation. */
  current: Prompt;
  /** The current prompt's progress line ("Vraag 2 van 5"), as the engine words it. */
  progressText?: string;
  /** A typed answer: one line beside the buttons, or a text box for an open question. */
  typed: 'line' | 'text' | null;
  /** Help whenever there is a conversation; language too while it is going on. */
  nav: { language?: string; help: string; label: string } | null;
  texts: { help: string; typedLabel: string; typedTextLabel: string; send: string };
  /** The language a button's label is written in (the language menu), for its `lang` attribute. */
  languageOf: (label: string) => Locale | undefined;
}

/** Buttons that move the conversation forward (Start, Send) are the primary action; every other one is secondary. */
const PRIMARY = new Set(['st', 'sd']);

function buttonHtml(b: Button, view: ConversationView): string {
  const lang = view.languageOf(b.label);
  const code = decodeButton(b.data)?.code;
  const cls = code && PRIMARY.has(code) ? ' class="main"' : '';
  return `<button type="submit" name="b" value="${escapeHtml(b.data)}"${cls}${lang && lang !== view.lng ? ` lang="${lang}"` : ''}>${escapeHtml(b.label)}</button>`;
}

/** A question longer than this (characters) is set smaller, so its answers stay above the fold on a 360×640 phone. */
const LONG_QUESTION = 120;

export function conversationPage(view: ConversationView): string {
  const { current } = view;
  const parts: string[] = [];
  const notices = view.flash.filter((p) => p.kind === 'notice');
  const said = view.flash.filter((p) => p.kind !== 'notice');
  if (notices.length) parts.push(paragraphs(notices.flatMap((p) => p.text.split('\n')), 'notice'));
  if (said.length) {
    // Help lines are links wherever they are said: the safety net, /hulp, the closing after a signal.
    const inner = said.map((p, i) => (p.kind === 'help' || p.contacts?.length ? helpSection(p, view.texts.help, `help-${i}`) : `<div class="said">\n${paragraphs(p.text.split('\n'))}\n</div>`));
    parts.push(`<div id="said" tabindex="-1">\n${inner.join('\n')}\n</div>`);
  }
  let lines = withoutContacts(current);
  if (current.progress && view.progressText) {
    if (lines[0] === view.progressText) lines = lines.slice(1);
    parts.push(`<p class="progress">${escapeHtml(view.progressText)} <progress max="${current.progress.of}" value="${current.progress.n}" aria-hidden="true"></progress></p>`);
  }
  const [heading = '', ...rest] = lines.filter((l) => l.trim());
  parts.push(`<h1 id="q" tabindex="-1"${heading.length > LONG_QUESTION ? ' class="long"' : ''}>${escapeHtml(heading)}</h1>`);
  if (rest.length) parts.push(paragraphs(rest));
  if (current.contacts?.length) parts.push(`<div class="help">\n${contactList(current.contacts)}\n</div>`);
  const rows = current.buttons ?? [];
  if (rows.length) {
    const body = rows.map((row) => `<div class="row">\n${row.map((b) => buttonHtml(b, view)).join('\n')}\n</div>`).join('\n');
    parts.push(`${formStart(view.action, view.guard, ' class="answers" aria-labelledby="q"')}\n${body}\n</form>`);
  }
  if (view.typed) {
    const field = view.typed === 'text'
      ? `<label for="t">${escapeHtml(view.texts.typedTextLabel)}</label>\n<textarea id="t" name="text" maxlength="${MAX_TYPED_CHARS}" aria-describedby="q"></textarea>`
      : `<label for="t">${escapeHtml(view.texts.typedLabel)}</label>\n<input type="text" id="t" name="text" maxlength="${MAX_TYPED_CHARS}" autocomplete="off" enterkeyhint="send" aria-describedby="q">`;
    parts.push(`${formStart(view.action, view.guard, ' class="typed"')}\n${field}\n<button type="submit">${escapeHtml(view.texts.send)}</button>\n</form>`);
  }
  const footer = view.nav
    ? `${formStart(view.action, view.guard, ` aria-label="${escapeHtml(view.nav.label)}"`)}${view.nav.language ? `\n<button type="submit" name="cmd" value="language">${escapeHtml(view.nav.language)}</button>` : ''}\n<button type="submit" name="cmd" value="help">${escapeHtml(view.nav.help)}</button>\n</form>`
    : undefined;
  const title = `${view.progressText ?? heading} – ${view.title}`;
  return layout({ lng: view.lng, title, main: parts.join('\n'), footer });
}
