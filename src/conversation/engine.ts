import { createActor, type AnyActorScope, type AnyStateMachine } from 'xstate';
import type { Texts } from '../i18n.js';
import type { Bank } from '../survey/load.js';
import { LOCALES, type LoadedFlow, type Locale } from '../survey/schema.js';
import { safetyThreshold } from '../survey/score.js';
import { buttonIntent, decodeButton, textIntent, type Expectation } from './input.js';
import { buildLexicons, type Lexicons } from './lexicon.js';
import { createFlowMachine, SETTLED_STATES, type EmitKind, type MachineEvent, type SayKey } from './machine.js';
import { askId, bandOf, createRenderer, type Renderer } from './prompt.js';
import { buildResponse, buildSafetySignal } from './response.js';
import { compileDetector, type SafetyLexicon } from './safety.js';
import { createClassifier } from './safety-classifier.js';
import type { CheckinInfo, Ctx, EngineEvent, Input, Intent, Snapshot, StepResult } from './types.js';

/**
 * The conversation engine: `step(flow, state, input, now) → { state, prompts, events }`, deterministic and
 * free of I/O. Machines, lexicons, signal lists and renderers are built once per process, so a turn only
 * interprets the input, runs one XState `transition` and renders the result.
 */
export interface Engine {
  step(flow: LoadedFlow, state: Snapshot | undefined, input: Input, now: Date): StepResult;
  render: Renderer;
  lexicons: Lexicons;
}

const MAX_TEXT = 4000;

interface PureMachine {
  transition(snap: Snapshot, event: MachineEvent): [ReturnType<AnyStateMachine['resolveState']>, Array<{ type: string; params?: unknown }>];
}

/**
 * XState's `transition()` builds a throw-away actor on every call (≈ 90 µs for this machine, most of a turn).
 * This does the same pure transition with one inert actor scope per machine, made once: the engine is
 * synchronous, so the scope's action collector is simply swapped per call. Nothing is executed.
 */
function pureMachine(machine: AnyStateMachine): PureMachine {
  let collected: Array<{ type: string; params?: unknown }> = [];
  const self = createActor(machine);
  const scope = {
    self, id: '', sessionId: '', system: self.system, defer: () => {}, logger: () => {}, stopChild: () => {}, emit: () => {},
    actionExecutor: (action: { type: string; params?: unknown }) => void collected.push(action),
  } as unknown as AnyActorScope;
  return {
    transition(snap, event) {
      collected = [];
      const next = machine.transition(machine.resolveState(snap), event, scope);
      return [next, collected];
    },
  };
}

export interface EngineOptions {
  /** The language of what is said before a check-in exists, when the platform gives no hint (`DEFAULT_LOCALE`). */
  defaultLocale?: Locale;
  /** Factor applied to every flow timer (reminders, lifetime): `TIMER_SCALE`, for tests and drills. Default 1. */
  timerScale?: number;
}

export function createEngine(bank: Bank, texts: Texts, opts: EngineOptions = {}): Engine {
  const defaultLocale = opts.defaultLocale ?? LOCALES[0];
  const hourMs = 3600_000 * (opts.timerScale ?? 1);
  const render = createRenderer(texts);
  const lexicons = buildLexicons(texts.resources, bank.versions.values());
  const detector = compileDetector(
    LOCALES.map((l) => texts.resources[l].safety as SafetyLexicon),
    bank.safetyModel && ((d) => createClassifier(bank.safetyModel!, d.conceptsOf)),
  );
  const machines = new Map<string, PureMachine>();
  const machineFor = (flow: LoadedFlow) => {
    const key = `${flow.id}@${flow.version}`;
    let m = machines.get(key);
    if (!m) machines.set(key, (m = pureMachine(createFlowMachine(flow))));
    return m;
  };

  const signals = (text: string) => detector.match(text);

  function expectation(flow: LoadedFlow, snap: Snapshot): Expectation {
    const ctx = snap.context;
    switch (snap.value) {
      case 'intro':
        return { kind: 'intro' };
      case 'asking': {
        const item = flow.items[ctx.cursor]!;
        return { kind: 'item', item, scale: item.kind === 'scale' ? flow.scales[item.scale] : undefined, followUp: ctx.followUp };
      }
      case 'review':
        return { kind: 'review' };
      case 'pickEdit':
        return { kind: 'pickEdit', max: flow.items.length };
      case 'language':
        return { kind: 'language' };
      case 'confirmStop':
      case 'confirmDelete':
      case 'consent':
        return { kind: 'confirm' };
      case 'replace':
        return { kind: 'replace' };
      default:
        return { kind: 'closed' };
    }
  }

  function newContext(flow: LoadedFlow, checkin: CheckinInfo, now: Date): Ctx {
    return {
      f: 1, flow: { id: flow.id, version: flow.version, hash: flow.hash }, checkin, lng: checkin.locale, rev: 1,
      openedAt: now.toISOString(), startedAt: null, cursor: -1, followUp: false, answers: {}, misses: 0,
      returnTo: null, resume: null, safety: [], pending: null,
    };
  }

  /** Runs one machine event and collects what its action descriptors ask for. */
  function run(flow: LoadedFlow, snap: Snapshot, event: MachineEvent, now: Date, out: StepResult): Snapshot {
    const [next, actions] = machineFor(flow).transition(snap, event);
    if (next.status === 'error') throw new Error(`flow ${flow.id}@${flow.version}: machine error`);
    const after: Snapshot = { value: String(next.value), context: next.context as Ctx };
    const prev = snap.context;
    const moved = after.value !== snap.value || after.context.cursor !== prev.cursor || after.context.followUp !== prev.followUp
      || after.context.answers !== prev.answers || after.context.lng !== prev.lng;
    if (moved) after.context = { ...after.context, rev: prev.rev + 1 };
    let asked = false;
    let spoke = false;
    for (const a of actions) {
      const params = (a.params ?? {}) as { key?: SayKey; kind?: EmitKind };
      if (a.type === 'say') {
        out.prompts.push(render.say(flow, after, params.key!));
        spoke = true;
      } else if (a.type === 'ask') asked = true;
      else if (a.type === 'emit') {
        out.events.push(...emitted(flow, snap, after, params.kind!, now));
        spoke = true;
      }
    }
    if (asked || (!spoke && event.type !== 'safety' && after.value !== 'deleted')) out.prompts.push(render.ask(flow, after));
    return after;
  }

  function emitted(flow: LoadedFlow, before: Snapshot, after: Snapshot, kind: EmitKind, now: Date): EngineEvent[] {
    const ctx = after.context;
    switch (kind) {
      case 'started':
        return [{ type: 'checkin.started', checkinId: ctx.checkin.id }];
      case 'postponed':
        return [{ type: 'checkin.postponed', checkinId: ctx.checkin.id }];
      case 'answer': {
        const item = flow.items[before.context.cursor]!;
        const a = ctx.answers[item.id]!;
        return [{ type: 'answer.recorded', item: item.id, label: render.label(flow, ctx, item, a.v, a.s), ask: askId(flow, before) }];
      }
      case 'completed':
        return [{ type: 'response.completed', response: buildResponse(flow, ctx, 'response.completed', now, render) }];
      case 'partial':
        return [{ type: 'response.partial', response: buildResponse(flow, ctx, 'response.partial', now, render) }];
      case 'delete':
        return [{ type: 'data.delete', pseudonym: ctx.checkin.pseudonym }];
      case 'show':
        return [{ type: 'data.show', pseudonym: ctx.checkin.pseudonym }];
      case 'replace':
        return ctx.pending ? [{ type: 'checkin.replace', pending: ctx.pending }] : [];
      case 'consentGiven':
      case 'consentRefused':
        return [{ type: 'followup.consent', checkinId: ctx.checkin.id, given: kind === 'consentGiven' }];
    }
  }

  function intentOf(flow: LoadedFlow, snap: Snapshot, input: Input): Intent | MachineEvent['type'] {
    const expect = expectation(flow, snap);
    switch (input.kind) {
      case 'text':
        return textIntent(input.text, expect, lexicons, snap.context.lng);
      case 'button': {
        const b = decodeButton(input.data);
        if (!b) return { type: 'unknown' };
        if (b.rev !== snap.context.rev && b.ask !== askId(flow, snap)) return { type: 'stale' };
        return buttonIntent(b, expect, LOCALES);
      }
      case 'timer':
        return input.timer === 'reminder' ? 'remind' : 'expire';
      default:
        return { type: 'unknown' };
    }
  }

  /** Safety net: help in the same turn, before anything else, for typed signals and low safety scales. */
  function safety(flow: LoadedFlow, snap: Snapshot, categories: string[], item: string | null, now: Date, out: StepResult): Snapshot {
    out.prompts.unshift(render.help(snap.context.lng, bandOf(snap.context), 'safety'));
    out.events.push({ type: 'safety.signal', signal: buildSafetySignal(snap.context, categories, item, now) });
    return run(flow, snap, { type: 'safety', categories, at: now.toISOString() }, now, out);
  }

  function lowSafetyAnswer(flow: LoadedFlow, before: Snapshot, intent: Intent): string | null {
    if (intent.type !== 'answer' || before.value !== 'asking' || before.context.followUp || typeof intent.value !== 'number') return null;
    const item = flow.items[before.context.cursor];
    if (item?.kind !== 'scale') return null;
    const max = safetyThreshold(flow, item);
    return max !== undefined && intent.value <= max ? item.id : null;
  }

  function open(flow: LoadedFlow, state: Snapshot | undefined, checkin: CheckinInfo, now: Date, out: StepResult): Snapshot {
    const at = now.toISOString();
    if (state && !SETTLED_STATES.includes(state.value)) {
      const event: MachineEvent = state.context.checkin.id === checkin.id ? { type: 'resume', at } : { type: 'replaceAsk', pending: checkin, at };
      return run(flow, state, event, now, out);
    }
    const snap: Snapshot = { value: 'intro', context: newContext(flow, checkin, now) };
    out.events.push({ type: 'checkin.opened', checkinId: checkin.id });
    out.prompts.push(render.ask(flow, snap));
    return snap;
  }

  /**
   * One input, with what follows from it in the same turn: saying yes to "replace the open check-in?" opens the
   * pending one (its first prompt said at once), an opened check-in plans its timers, a response cancels them.
   */
  function step(flow: LoadedFlow, state: Snapshot | undefined, input: Input, now: Date): StepResult {
    let out = stepOne(flow, state, input, now);
    const replace = out.events.find((e) => e.type === 'checkin.replace');
    if (replace?.type === 'checkin.replace') {
      const fresh = stepOne(bank.flows.get(replace.pending.flow)!, undefined, { kind: 'open', checkin: replace.pending }, now);
      out = { state: fresh.state, prompts: [...out.prompts, ...fresh.prompts], events: [...out.events, ...fresh.events] };
    }
    for (const e of [...out.events]) {
      if (e.type === 'checkin.opened' && out.state) {
        const { id, version } = out.state.context.flow;
        const { reminders, lifetimeHours } = bank.versions.get(`${id}@${version}`) ?? flow;
        const start = now.getTime();
        out.events.push({
          type: 'timers.plan',
          reminders: Array.from({ length: reminders.count }, (_, i) => start + (i + 1) * reminders.afterHours * hourMs),
          expireAt: start + lifetimeHours * hourMs,
        });
      }
      if (e.type === 'response.completed' || e.type === 'response.partial') out.events.push({ type: 'timers.cancel' });
    }
    // Expiry is silent: the respondent is told kindly when they write again.
    return input.kind === 'timer' && input.timer === 'expire' ? { ...out, prompts: [] } : out;
  }

  function stepOne(flow: LoadedFlow, state: Snapshot | undefined, input: Input, now: Date): StepResult {
    const out: StepResult = { state, prompts: [], events: [] };
    if (input.kind === 'open') {
      out.state = open(flow, state, input.checkin, now, out);
      return out;
    }
    const fired = input.kind === 'text' ? signals(input.text) : [];
    if (!state) {
      const lng = ('lng' in input && input.lng) || defaultLocale;
      if (fired.length) out.prompts.push(render.help(lng, 'teen', 'safety'));
      // "/hulp" shows the help lines at any time, also before any check-in.
      else if (input.kind === 'text' && textIntent(input.text, { kind: 'closed' }, lexicons, lng).type === 'help') out.prompts.push(render.help(lng, 'teen', 'help'));
      out.prompts.push(input.kind === 'unsupported' ? render.onlyText(lng) : render.noCheckin(lng));
      return out;
    }
    if (input.kind === 'unsupported') {
      out.prompts.push(render.onlyText(state.context.lng), render.ask(flow, state));
      return out;
    }
    let snap = state;
    if (fired.length) snap = safety(flow, snap, fired, askId(flow, snap), now, out);
    const intent = intentOf(flow, snap, input);
    const at = now.toISOString();
    // Help came first; a text that answered nothing is then asked again kindly, never "I did not understand".
    const heard = fired.length > 0 && typeof intent !== 'string' && intent.type === 'unknown';
    let event: MachineEvent = heard ? { type: 'heard', at } : typeof intent === 'string' ? ({ type: intent, at } as MachineEvent) : { ...intent, at };
    if (event.type === 'answer' && typeof event.value === 'string' && event.value.length > MAX_TEXT) {
      out.prompts.push({ kind: 'notice', text: texts.t(snap.context.lng)('answer.textTooLong', { max: MAX_TEXT }) });
      event = { ...event, value: event.value.slice(0, MAX_TEXT) };
    }
    const before = snap;
    snap = run(flow, snap, event, now, out);
    const low = typeof intent === 'string' ? null : lowSafetyAnswer(flow, before, intent);
    if (low && !fired.length) snap = safety(flow, snap, ['lowSafetyScale'], low, now, out);
    out.state = snap.value === 'deleted' ? undefined : snap;
    return out;
  }

  return { step, render, lexicons };
}
