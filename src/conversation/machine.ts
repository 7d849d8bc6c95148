import { assign, setup, type AnyStateMachine } from 'xstate';
import type { LoadedFlow } from '../survey/schema.js';
import { askedItems, followUpApplies, nextIndex, prevIndex } from '../survey/route.js';
import type { CheckinInfo, Ctx, Intent, StoredAnswer } from './types.js';

/**
 * The questionnaire as an XState v5 machine, built once per flow version from the flow's data.
 * It holds no effects: actions named `say`, `ask` and `emit` are descriptors that `transition()` returns
 * and the engine turns into prompts and events. Guards and assignments are pure functions of (context, event).
 */

type At = { at: string };
export type MachineEvent =
  | (Intent & At)
  | ({ type: 'resume' } & At)
  | ({ type: 'remind' } & At)
  | ({ type: 'expire' } & At)
  | ({ type: 'replaceAsk'; pending: CheckinInfo } & At)
  | ({ type: 'safety'; categories: string[] } & At)
  /** After the safety net's help: the text that fired it answered nothing, so the question is asked again kindly. */
  | ({ type: 'heard' } & At);

export type SayKey =
  | 'help' | 'later' | 'languageSet' | 'misunderstood' | 'stale' | 'reminder' | 'resumed' | 'noPrevious'
  | 'required' | 'stopCancelled' | 'deleteCancelled' | 'stopped' | 'stoppedPartial' | 'thanks' | 'invalidEdit'
  | 'followUpYes' | 'followUpNo' | 'afterHelp' | 'signalNext';
export type EmitKind = 'started' | 'postponed' | 'answer' | 'completed' | 'partial' | 'delete' | 'show' | 'replace' | 'consentGiven' | 'consentRefused';

const CLOSED = ['done', 'stopped', 'expired'] as const;
const RESUMABLE = ['intro', 'asking', 'review', 'pickEdit', 'consent', ...CLOSED] as const;

export function createFlowMachine(flow: LoadedFlow): AnyStateMachine {
  const itemAt = (ctx: Ctx) => flow.items[ctx.cursor];

  /** Moves past the current item; when editing from the review, past items that already have an answer. */
  const advanced = (ctx: Ctx, answers: Ctx['answers']): Partial<Ctx> => {
    let i = ctx.cursor;
    do i = nextIndex(flow, answers, i);
    while (i !== -1 && ctx.returnTo === 'review' && answers[flow.items[i]!.id]);
    return { cursor: i, followUp: false, misses: 0, answers };
  };
  const record = (ctx: Ctx, a: StoredAnswer): Ctx['answers'] => ({ ...ctx.answers, [itemAt(ctx)!.id]: a });

  const say = (key: SayKey) => ({ type: 'say' as const, params: { key } });
  const emit = (kind: EmitKind) => ({ type: 'emit' as const, params: { kind } });
  const resumeTo = (extra: Array<ReturnType<typeof say>> = []) =>
    RESUMABLE.map((target) => ({ target, guard: { type: 'resumeIs' as const, params: { target } }, actions: [...extra, 'ask' as const] }));
  /** Menus any resumable state opens; each remembers where to come back to. */
  const menus = (from: (typeof RESUMABLE)[number]) => ({
    stop: CLOSED.includes(from as never) ? { actions: 'ask' as const } : { target: 'confirmStop', actions: { type: 'remember' as const, params: { from } } },
    delete: { target: 'confirmDelete', actions: { type: 'remember' as const, params: { from } } },
    language: { target: 'language', actions: { type: 'remember' as const, params: { from } } },
    replaceAsk: { target: 'replace', actions: [{ type: 'remember' as const, params: { from } }, 'keepPending' as const] },
  });
  const closed = (from: (typeof CLOSED)[number]) => ({
    on: { ...menus(from), unknown: { actions: 'ask' as const }, heard: { actions: say('signalNext') }, remind: {}, expire: {}, resume: { actions: 'ask' as const } },
  });

  return setup({
    types: { context: {} as Ctx, events: {} as MachineEvent, input: {} as Ctx },
    guards: {
      resumeIs: ({ context }, p: { target: string }) => context.resume === p.target,
      inFollowUp: ({ context }) => context.followUp,
      hasFollowUp: ({ context, event }) => {
        const item = itemAt(context);
        return !!item && event.type === 'answer' && followUpApplies(item, { ...context.answers, [item.id]: { v: event.value } });
      },
      isRequired: ({ context }) => !!itemAt(context)?.required && !context.followUp,
      isFirst: ({ context }) => !context.followUp && prevIndex(flow, context.answers, context.cursor) === -1,
      noMoreItems: ({ context }) => context.cursor === -1,
      validEdit: ({ context, event }) => event.type === 'edit' && event.n !== undefined && event.n >= 1 && event.n <= askedItems(flow, context.answers).length,
      hasAnswers: ({ context }) => Object.values(context.answers).some((a) => a.s === 'a'),
      partialAllowed: ({ context }) => flow.allowPartial && Object.values(context.answers).some((a) => a.s === 'a'),
      asksFollowUp: ({ context }) => context.checkin.askFollowUp === true,
    },
    actions: {
      /* Descriptors only: the engine renders them. */
      say: () => {},
      ask: () => {},
      emit: () => {},
      remember: assign((_, p: { from: string }) => ({ resume: p.from })),
      keepPending: assign(({ event }) => ({ pending: event.type === 'replaceAsk' ? event.pending : null })),
      pickItem: assign(({ context, event }) => {
        const item = askedItems(flow, context.answers)[(event as { n: number }).n - 1]!;
        return { cursor: flow.index.get(item.id)!, returnTo: 'review' as const, followUp: false, misses: 0 };
      }),
    },
  }).createMachine({
    id: `${flow.id}@${flow.version}`,
    context: ({ input }) => input,
    initial: 'intro',
    on: {
      help: { actions: [say('help'), 'ask'] },
      setLanguage: { actions: [assign({ lng: ({ event }) => event.lng }), say('languageSet'), 'ask'] },
      data: { actions: emit('show') },
      unknown: { actions: [assign({ misses: ({ context }) => context.misses + 1 }), say('misunderstood'), 'ask'] },
      heard: { actions: [assign({ misses: 0 }), say('afterHelp'), 'ask'] },
      stale: { actions: say('stale') },
      remind: { actions: [say('reminder'), 'ask'] },
      resume: { actions: [say('resumed'), 'ask'] },
      safety: { actions: assign({ safety: ({ context, event }) => [...new Set([...context.safety, ...event.categories])] }) },
      expire: [
        { target: '.expired', guard: 'partialAllowed', actions: emit('partial') },
        { target: '.expired' },
      ],
    },
    states: {
      intro: {
        on: {
          ...menus('intro'),
          start: {
            target: 'asking',
            actions: [
              assign(({ context, event }) => ({ startedAt: context.startedAt ?? event.at, ...advanced({ ...context, cursor: -1 }, context.answers) })),
              emit('started'),
              'ask',
            ],
          },
          later: { actions: [say('later'), emit('postponed')] },
        },
      },
      asking: {
        always: { guard: 'noMoreItems', target: 'review' },
        on: {
          ...menus('asking'),
          answer: [
            {
              guard: 'inFollowUp',
              actions: [
                assign(({ context, event }) => {
                  const id = itemAt(context)!.id;
                  return advanced(context, { ...context.answers, [id]: { ...context.answers[id]!, c: String(event.value) } });
                }),
                'ask',
              ],
            },
            {
              guard: 'hasFollowUp',
              actions: [
                assign(({ context, event }) => ({ answers: record(context, { v: event.value, s: 'a', at: event.at }), followUp: true, misses: 0 })),
                emit('answer'),
                'ask',
              ],
            },
            {
              actions: [assign(({ context, event }) => advanced(context, record(context, { v: event.value, s: 'a', at: event.at }))), emit('answer'), 'ask'],
            },
          ],
          noComment: { guard: 'inFollowUp', actions: [assign(({ context }) => advanced(context, context.answers)), 'ask'] },
          dontKnow: [
            { guard: 'inFollowUp', actions: [assign(({ context }) => advanced(context, context.answers)), 'ask'] },
            { guard: 'isRequired', actions: [say('required'), 'ask'] },
            { actions: [assign(({ context, event }) => advanced(context, record(context, { v: null, s: 'd', at: event.at }))), emit('answer'), 'ask'] },
          ],
          skip: [
            { guard: 'inFollowUp', actions: [assign(({ context }) => advanced(context, context.answers)), 'ask'] },
            { guard: 'isRequired', actions: [say('required'), 'ask'] },
            { actions: [assign(({ context, event }) => advanced(context, record(context, { v: null, s: 's', at: event.at }))), emit('answer'), 'ask'] },
          ],
          back: [
            { guard: 'inFollowUp', actions: [assign({ followUp: false, misses: 0 }), 'ask'] },
            { guard: 'isFirst', actions: [say('noPrevious'), 'ask'] },
            { actions: [assign(({ context }) => ({ cursor: prevIndex(flow, context.answers, context.cursor), followUp: false, misses: 0 })), 'ask'] },
          ],
        },
      },
      review: {
        entry: assign({ returnTo: null, cursor: -1, followUp: false, misses: 0 }),
        on: {
          ...menus('review'),
          send: [
            { guard: 'asksFollowUp', target: 'consent', actions: [emit('completed'), say('thanks'), 'ask'] },
            { target: 'done', actions: [emit('completed'), say('thanks')] },
          ],
          edit: [
            { guard: 'validEdit', target: 'asking', actions: ['pickItem', 'ask'] },
            { target: 'pickEdit', actions: 'ask' },
          ],
          back: { target: 'asking', actions: [assign(({ context }) => ({ cursor: prevIndex(flow, context.answers, flow.items.length) })), 'ask'] },
        },
      },
      pickEdit: {
        on: {
          ...menus('pickEdit'),
          edit: [
            { guard: 'validEdit', target: 'asking', actions: ['pickItem', 'ask'] },
            { actions: [say('invalidEdit'), 'ask'] },
          ],
          back: { target: 'review', actions: 'ask' },
        },
      },
      language: {
        on: {
          setLanguage: resumeTo().map((t) => ({ ...t, actions: [assign({ lng: ({ event }) => event.lng, resume: null }), say('languageSet'), 'ask' as const] })),
          back: resumeTo().map((t) => ({ ...t, actions: [assign({ resume: null }), 'ask' as const] })),
          no: resumeTo().map((t) => ({ ...t, actions: [assign({ resume: null }), 'ask' as const] })),
        },
      },
      confirmStop: {
        on: {
          yes: [
            { target: 'stopped', guard: 'partialAllowed', actions: [assign({ resume: null }), emit('partial'), say('stoppedPartial')] },
            { target: 'stopped', actions: [assign({ resume: null }), say('stopped')] },
          ],
          no: resumeTo([say('stopCancelled')]).map((t) => ({ ...t, actions: [assign({ resume: null }), ...t.actions] })),
        },
      },
      confirmDelete: {
        on: {
          yes: { target: 'deleted', actions: emit('delete') },
          no: resumeTo([say('deleteCancelled')]).map((t) => ({ ...t, actions: [assign({ resume: null }), ...t.actions] })),
        },
      },
      replace: {
        on: {
          yes: { actions: emit('replace') },
          no: resumeTo().map((t) => ({ ...t, actions: [assign({ resume: null, pending: null }), ...t.actions] })),
        },
      },
      /**
       * The response is sent; the caller asked for follow-ups (a `respondentRef`), so the bot asks whether it may
       * write again for this case. Whatever happens here, the response stays completed: no reminder, no expiry
       * partial, and stopping means "no".
       */
      consent: {
        on: {
          ...menus('consent'),
          yes: { target: 'done', actions: [emit('consentGiven'), say('followUpYes')] },
          no: { target: 'done', actions: [emit('consentRefused'), say('followUpNo')] },
          stop: { target: 'done', actions: [emit('consentRefused'), say('followUpNo')] },
          remind: {},
          expire: { target: 'done' },
        },
      },
      done: closed('done'),
      stopped: closed('stopped'),
      expired: closed('expired'),
      deleted: { type: 'final' },
    },
  }) as unknown as AnyStateMachine;
}

export const CLOSED_STATES: readonly string[] = CLOSED;

/** The response is settled (sent, stopped, expired, or sent and only consent is open): a new check-in starts afresh. */
export const SETTLED_STATES: readonly string[] = [...CLOSED, 'consent'];
