import type { TFunction } from 'i18next';
import type { Texts } from '../i18n.js';
import { LOCALES, type Item, type LoadedFlow, type Locale } from '../survey/schema.js';
import { askedItems, prevIndex, progress } from '../survey/route.js';
import { encodeButton } from './input.js';
import type { SayKey } from './machine.js';
import type { Button, Contact, Ctx, Intent, Prompt, Snapshot } from './types.js';

/**
 * State → what the bot says, through i18next. Children's texts use the i18next context of their register
 * (`young`, `teen`); `{{worker}}` is the worker's first name or "je begeleider". Buttons carry the revision
 * and what they answer, so a late tap can be recognised.
 */

export interface Renderer {
  ask(flow: LoadedFlow, snap: Snapshot): Prompt;
  say(flow: LoadedFlow, snap: Snapshot, key: SayKey): Prompt;
  /** `web`: the web page has no command line, so its help names the page's own buttons instead of slash commands. */
  help(lng: Locale, band: Band, kind: 'help' | 'safety', web?: boolean): Prompt;
  noCheckin(lng: Ctx['lng']): Prompt;
  onlyText(lng: Ctx['lng']): Prompt;
  /** The label of an answer value as the respondent saw it ("helemaal akkoord", "🙂 ja", "7"). */
  label(flow: LoadedFlow, ctx: Ctx, item: Item, value: number | string | null, status: 'a' | 'd' | 's'): string | null;
  /** The question's text (for the review and /antwoorden). */
  question(flow: LoadedFlow, ctx: Ctx, id: string): string;
  /** "/wis" done, in the respondent's language (the conversation is already gone). */
  deleted(lng: Locale, alreadySent: number): Prompt;
  /** "/antwoorden": what the bot holds about this respondent, and what it sent (`sent`, from the delivery). */
  held(flow: LoadedFlow, snap: Snapshot, sent: ReadonlyArray<{ type: string; state: string; at: string }>): Prompt;
}

/** Who the help texts are written for. */
export type Band = 'parent' | 'young' | 'teen';
export const bandOf = (ctx: Ctx): Band => (ctx.checkin.role === 'parent' ? 'parent' : (ctx.checkin.ageBand ?? 'teen'));

/** Where a question stands: the id buttons carry, so stale taps are told apart from fresh ones. */
export function askId(flow: LoadedFlow, snap: Snapshot): string {
  if (snap.value !== 'asking') return snap.value.toLowerCase();
  const item = flow.items[snap.context.cursor];
  return item ? `${item.id}${snap.context.followUp ? '+' : ''}` : 'review';
}

const SHORT = 60;
function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= SHORT) return flat;
  const cut = flat.slice(0, SHORT);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 40))}…`;
}

function rows<T>(list: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += perRow) out.push(list.slice(i, i + perRow));
  return out;
}

/** The web chat: a page with buttons and no command line. */
const onWeb = (ctx: Ctx) => ctx.checkin.channel === 'web';

export function createRenderer(texts: Texts): Renderer {
  const opts = (ctx: Ctx, extra: Record<string, unknown> = {}) => {
    const context = ctx.checkin.ageBand ?? undefined;
    const t = texts.t(ctx.lng);
    return { context, worker: ctx.checkin.worker ?? t('workerFallback', { context }), ...extra };
  };
  /** Every text for a child carries the register as i18next context, so a language may vary any text by age. */
  const tt = (ctx: Ctx): TFunction => {
    const t = texts.t(ctx.lng);
    const context = ctx.checkin.ageBand;
    if (!context) return t;
    return ((key: string, o?: Record<string, unknown>) => t(key, { context, ...o })) as TFunction;
  };

  const button = (ctx: Ctx, ask: string, labelKey: string, intent: Intent): Button => ({
    label: tt(ctx)(`buttons.${labelKey}`, opts(ctx)),
    data: encodeButton(ctx.rev, ask, intent),
  });

  const scaleLabel = (ctx: Ctx, scale: string, v: number, field: 'label' | 'button'): string => {
    const key = `scales:${scale}.values.${v}.${field}`;
    const t = tt(ctx);
    return t(key, { defaultValue: String(v) });
  };

  const label: Renderer['label'] = (flow, ctx, item, value, status) => {
    const t = tt(ctx);
    if (status === 'd') return t('answer.dontKnow');
    if (status === 's') return t('answer.skipped');
    if (value === null) return null;
    if (item.kind === 'scale' && typeof value === 'number') return scaleLabel(ctx, item.scale, value, 'label');
    if (item.kind === 'choice') return t(`items:${item.id}_options.${value}.label`);
    return null;
  };

  const question: Renderer['question'] = (flow, ctx, id) => tt(ctx)(`items:${id}`, opts(ctx));

  function contacts(lng: Locale, band: Band): Contact[] {
    const list = texts.resources[lng].safety.contacts;
    if (!Array.isArray(list)) return [];
    return (list as Array<Contact & { for?: string[] }>)
      .filter((c) => !c.for || c.for.includes(band))
      .map(({ name, number, what }) => ({ name, number, what }));
  }

  /** The help lines, the same wherever they are shown: after a signal, on /hulp, in the closing after a signal. */
  function withContacts(kind: Prompt['kind'], head: string[], lng: Locale, band: Band): Prompt {
    const list = contacts(lng, band);
    const lines = list.map((c) => `• ${c.name === c.number ? c.number : `${c.name} ${c.number}`}: ${c.what}`);
    return { kind, text: [...head, ...lines].join('\n'), contacts: list };
  }

  function help(lng: Locale, band: Band, kind: 'help' | 'safety', web = false): Prompt {
    const t = texts.t(lng);
    const head = kind === 'help' ? [t(web ? 'help.textWeb' : 'help.text'), t('help.urgent')] : [t(`safety:help.intro_${band}`), t('safety:help.noLive')];
    return withContacts('help', head, lng, band);
  }

  /** What happens with the signal, by who sees the answers (`intro.visibility`): told plainly, never cheerfully. */
  const signalNext = (flow: LoadedFlow, ctx: Ctx) => tt(ctx)(`afterSignal.next_${flow.intro.visibility}`, opts(ctx));

  /**
   * The closing after a signal: how it ended (sent, stopped) without celebration, what happens next, that nobody
   * reads along live, and the help lines again.
   */
  function closingAfterSignal(flow: LoadedFlow, ctx: Ctx, key: 'thanks' | 'stopped' | 'stoppedPartial'): Prompt {
    const head = [tt(ctx)(`afterSignal.${key}`, opts(ctx)), signalNext(flow, ctx), texts.t(ctx.lng)('safety:help.noLive')];
    return withContacts('message', head, ctx.lng, bandOf(ctx));
  }

  function intro(flow: LoadedFlow, ctx: Ctx, ask: string): Prompt {
    const t = tt(ctx);
    const o = opts(ctx);
    const text = [
      t('intro.hello', { ...o, title: t(`flows:${flow.id}.title`, o) }),
      t(`flows:${flow.id}.purpose`, o),
      t(`intro.visibility_${flow.intro.visibility}`, o),
      `${t('intro.noLive', o)} ${t('intro.skip', o)} ${t('intro.duration', { ...o, count: flow.intro.minutes })}`,
      ...(onWeb(ctx) ? [] : [t('intro.commands', o)]), // the web page has buttons, not a command line
      t('intro.question', o),
    ].join('\n\n');
    return {
      kind: 'question', text, ask, rev: ctx.rev,
      buttons: [[button(ctx, ask, 'start', { type: 'start' }), button(ctx, ask, 'later', { type: 'later' })], [button(ctx, ask, 'otherLanguage', { type: 'language' })]],
    };
  }

  function itemPrompt(flow: LoadedFlow, ctx: Ctx, ask: string): Prompt {
    const t = tt(ctx);
    const item = flow.items[ctx.cursor]!;
    const prog = progress(flow, ctx.answers, ctx.cursor);
    const head = t('progress', prog);
    const canGoBack = ctx.followUp || prevIndex(flow, ctx.answers, ctx.cursor) !== -1;
    const back = canGoBack ? [button(ctx, ask, 'back', { type: 'back' })] : [];
    if (ctx.followUp && item.kind === 'scale' && item.followUp) {
      const text = `${question(flow, ctx, item.followUp.id)}\n${t('answer.comment', opts(ctx))}`;
      return { kind: 'question', text, ask, rev: ctx.rev, progress: prog, buttons: [[button(ctx, ask, 'noComment', { type: 'noComment' }), ...back]] };
    }
    const lines = [head, question(flow, ctx, item.id)];
    let choices: Button[][] = [];
    if (item.kind === 'scale') {
      const scale = flow.scales[item.scale]!;
      // An item may name its own anchors (the parent safety scale's differ from "not safe … safe"); the caption must match the question.
      const legend = t(`scales:${item.scale}.legendFor.${item.id}`, { defaultValue: t(`scales:${item.scale}.legend`, { defaultValue: '' }) });
      if (legend) lines.push(legend);
      const bs = scale.values.map((v) => ({ label: scaleLabel(ctx, item.scale, v, 'button'), data: encodeButton(ctx.rev, ask, { type: 'answer', value: v }) }));
      choices = rows(bs, scale.perRow);
    } else if (item.kind === 'choice') {
      choices = item.options.map((o) => [{ label: t(`items:${item.id}_options.${o}.label`), data: encodeButton(ctx.rev, ask, { type: 'answer', value: o }) }]);
    }
    if (ctx.misses >= 2) lines.push(hint(flow, ctx, item));
    const extra: Button[] = [];
    if (!item.required && item.kind !== 'text') extra.push(button(ctx, ask, 'dontKnow', { type: 'dontKnow' }));
    if (!item.required) extra.push(button(ctx, ask, 'skip', { type: 'skip' }));
    const last = [...extra, ...back];
    return { kind: 'question', text: lines.join('\n'), ask, rev: ctx.rev, progress: prog, buttons: [...choices, ...(last.length ? [last] : [])] };
  }

  function hint(flow: LoadedFlow, ctx: Ctx, item: Item): string {
    const t = tt(ctx);
    let options: string[] = [];
    if (item.kind === 'scale') {
      const scale = flow.scales[item.scale]!;
      options = scale.type === 'numeric'
        ? [`${scale.values[0]}–${scale.values[scale.values.length - 1]}`]
        : scale.values.map((v) => scaleLabel(ctx, item.scale, v, 'button'));
    } else if (item.kind === 'choice') options = item.options.map((o, i) => `${i + 1} (${t(`items:${item.id}_options.${o}.label`)})`);
    if (item.kind === 'text') return t('help.text');
    return t(item.required ? 'misunderstood.hintNoSkip' : 'misunderstood.hint', { options: options.join(', ') });
  }

  function review(flow: LoadedFlow, ctx: Ctx, ask: string): Prompt {
    const t = tt(ctx);
    const items = askedItems(flow, ctx.answers);
    const lines = items.map((item, i) => {
      const a = ctx.answers[item.id];
      const shown = a ? (label(flow, ctx, item, a.v, a.s) ?? String(a.v)) : t('review.unanswered');
      return t('review.line', { n: i + 1, question: shorten(question(flow, ctx, item.id)), answer: a?.c ? `${shown} (“${shorten(a.c)}”)` : shown });
    });
    const text = [t('review.title'), ...lines, '', t('review.question')].join('\n');
    return {
      kind: 'question', text, ask, rev: ctx.rev,
      buttons: [[button(ctx, ask, 'send', { type: 'send' }), button(ctx, ask, 'edit', { type: 'edit' })], [button(ctx, ask, 'back', { type: 'back' })]],
    };
  }

  function pickEdit(flow: LoadedFlow, ctx: Ctx, ask: string): Prompt {
    const n = askedItems(flow, ctx.answers).length;
    const nums = Array.from({ length: n }, (_, i) => ({ label: String(i + 1), data: encodeButton(ctx.rev, ask, { type: 'edit', n: i + 1 }) }));
    return { kind: 'question', text: tt(ctx)('review.pickEdit'), ask, rev: ctx.rev, buttons: [...rows(nums, 5), [button(ctx, ask, 'back', { type: 'back' })]] };
  }

  function choiceMenu(ctx: Ctx, ask: string, key: string, yes: [string, Intent], no: [string, Intent]): Prompt {
    return { kind: 'question', text: tt(ctx)(key, opts(ctx)), ask, rev: ctx.rev, buttons: [[button(ctx, ask, yes[0], yes[1]), button(ctx, ask, no[0], no[1])]] };
  }

  function ask(flow: LoadedFlow, snap: Snapshot): Prompt {
    const ctx = snap.context;
    const id = askId(flow, snap);
    const t = tt(ctx);
    switch (snap.value) {
      case 'intro':
        return intro(flow, ctx, id);
      case 'asking':
        return itemPrompt(flow, ctx, id);
      case 'review':
        return review(flow, ctx, id);
      case 'pickEdit':
        return pickEdit(flow, ctx, id);
      case 'language': {
        const langs = LOCALES.map((l) => ({ label: t(`language.${l}`, { lng: l }), data: encodeButton(ctx.rev, id, { type: 'setLanguage', lng: l }) }));
        return { kind: 'question', text: t('languageMenu'), ask: id, rev: ctx.rev, buttons: [langs, [button(ctx, id, 'back', { type: 'back' })]] };
      }
      case 'confirmStop':
        return choiceMenu(ctx, id, 'stop.confirm', ['yesStop', { type: 'yes' }], ['noContinue', { type: 'no' }]);
      case 'confirmDelete':
        return choiceMenu(ctx, id, 'delete.confirm', ['yesDelete', { type: 'yes' }], ['noKeep', { type: 'no' }]);
      case 'replace':
        return choiceMenu(ctx, id, 'intro.replace', ['finishOld', { type: 'no' }], ['startNew', { type: 'yes' }]);
      case 'consent':
        return choiceMenu(ctx, id, 'followUp.question', ['followUpYes', { type: 'yes' }], ['followUpNo', { type: 'no' }]);
      case 'done':
        return { kind: 'message', text: t('done.already', opts(ctx)) };
      case 'stopped':
        return { kind: 'message', text: t('stop.closed', opts(ctx)) };
      default:
        return { kind: 'message', text: t('expired', opts(ctx)) };
    }
  }

  const SAY: Record<Exclude<SayKey, 'signalNext'>, string> = {
    help: 'help.text', later: 'intro.later', languageSet: 'languageSet', misunderstood: 'misunderstood.again',
    stale: 'misunderstood.stale', reminder: 'reminder', resumed: 'intro.resumed', noPrevious: 'misunderstood.noPrevious',
    required: 'answer.required', stopCancelled: 'stop.cancelled',
    deleteCancelled: 'delete.cancelled', stopped: 'stop.nothing', stoppedPartial: 'stop.partial', thanks: 'done.thanks',
    invalidEdit: 'misunderstood.invalidEdit', followUpYes: 'followUp.yes', followUpNo: 'followUp.no',
    afterHelp: 'afterSignal.again',
  };

  function say(flow: LoadedFlow, snap: Snapshot, key: SayKey): Prompt {
    const ctx = snap.context;
    if (key === 'help') return help(ctx.lng, bandOf(ctx), 'help', onWeb(ctx));
    if (key === 'signalNext') return { kind: 'message', text: signalNext(flow, ctx) };
    if (ctx.safety.length && (key === 'thanks' || key === 'stopped' || key === 'stoppedPartial')) return closingAfterSignal(flow, ctx, key);
    const kind = key === 'stale' ? 'notice' : 'message';
    return { kind, text: tt(ctx)(SAY[key], opts(ctx)) };
  }

  const deleted: Renderer['deleted'] = (lng, alreadySent) => {
    const t = texts.t(lng);
    return { kind: 'message', text: [t('delete.done'), ...(alreadySent ? [t('delete.alreadySent', { count: alreadySent })] : [])].join('\n') };
  };

  const held: Renderer['held'] = (flow, snap, sent) => {
    const ctx = snap.context;
    const t = texts.t(ctx.lng);
    const o = { context: ctx.checkin.ageBand ?? undefined };
    const answered = flow.items.filter((it) => ctx.answers[it.id]);
    const lines = [
      t('data.title'),
      t('data.conversation', { title: t(`flows:${flow.id}.title`, o), status: t(`data.status.${snap.value}`, { defaultValue: snap.value }), language: t(`language.${ctx.lng}`), since: ctx.openedAt.slice(0, 10) }),
      t('data.answers', { count: answered.length }),
      ...answered.map((it) => {
        const a = ctx.answers[it.id]!;
        return `• ${question(flow, ctx, it.id)} → ${label(flow, ctx, it, a.v, a.s) ?? String(a.v)}`;
      }),
    ];
    if (sent.length) lines.push(t('data.sent', { list: sent.map((s) => `${s.type} (${s.state}, ${s.at.slice(0, 10)})`).join(', ') }));
    lines.push(t('data.noName'));
    return { kind: 'message', text: lines.join('\n') };
  };

  return {
    ask,
    say,
    help,
    label,
    question,
    deleted,
    held,
    noCheckin: (lng) => ({ kind: 'message', text: texts.t(lng)('intro.noCheckin') }),
    onlyText: (lng) => ({ kind: 'notice', text: texts.t(lng)('onlyText') }),
  };
}
