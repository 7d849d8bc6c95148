import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/conversation/engine.js';
import { buildResponse } from '../../src/conversation/response.js';
import type { Input, Snapshot } from '../../src/conversation/types.js';
import type { Bank } from '../../src/survey/load.js';
import type { LoadedFlow } from '../../src/survey/schema.js';
import { checkin, loadTestBank } from '../support/engine.js';

let bank: Bank;
let engine: Engine;
beforeAll(() => ({ bank, engine } = loadTestBank()));

const STATES = new Set(['intro', 'asking', 'review', 'pickEdit', 'language', 'confirmStop', 'confirmDelete', 'replace', 'done', 'stopped', 'expired']);
const WORDS = ['ja', 'nee', 'start', '4', 'vier', '🙂', 'weet ik niet', 'sla over', '/terug', '/taal', 'fr', 'english', '/stop', '/hulp',
  '/wis', '/antwoorden', 'verstuur', 'pas aan 2', 'yes', 'no', 'idk', '10', '0', '-1', '99', 'nooit', 'altijd', '', '   ', '/start x', 'ik wil dood'];

/** An input a respondent (or a forger) could send: words, noise, buttons of the current prompt, forged buttons, timers. */
const inputArb = fc.oneof(
  fc.constantFrom(...WORDS).map((text): Input => ({ kind: 'text', text })),
  fc.string({ maxLength: 30 }).map((text): Input => ({ kind: 'text', text })),
  fc.nat({ max: 20 }).map((i) => ({ pick: i })),
  fc.string({ maxLength: 70 }).map((data): Input => ({ kind: 'button', data })),
  fc.constantFrom<Input>({ kind: 'timer', timer: 'reminder' }, { kind: 'timer', timer: 'expire' }, { kind: 'unsupported' }),
);

function checkState(flow: LoadedFlow, s: Snapshot) {
  expect(STATES.has(s.value)).toBe(true);
  const ctx = s.context;
  expect(Number.isInteger(ctx.rev) && ctx.rev >= 1).toBe(true);
  if (s.value === 'asking') expect(flow.items[ctx.cursor]).toBeDefined();
  for (const [id, a] of Object.entries(ctx.answers)) {
    const item = flow.items[flow.index.get(id)!];
    expect(item).toBeDefined();
    if (a.v === null) continue;
    if (item!.kind === 'scale') expect(flow.scales[item!.scale]!.values).toContain(a.v);
    if (item!.kind === 'choice') expect(item!.options).toContain(a.v);
    if (item!.kind === 'text') expect(typeof a.v).toBe('string');
  }
  expect(JSON.parse(JSON.stringify(s))).toEqual(s); // plain JSON, as persisted
  // The answers so far always make a valid (partial) response document.
  buildResponse(flow, ctx, 'response.partial', new Date(), engine.render);
}

describe('any sequence of inputs', () => {
  for (const id of ['fixture-club', 'parent-checkin', 'child-full']) {
    it(`never throws and always leaves a valid state (${id})`, () => {
      const flow = bank.flows.get(id)!;
      fc.assert(
        fc.property(fc.array(inputArb, { maxLength: 40 }), (inputs) => {
          let state: Snapshot | undefined = engine.step(flow, undefined, { kind: 'open', checkin: checkin(flow) }, new Date(0)).state;
          let prompts = engine.step(flow, state, { kind: 'unsupported' }, new Date(0)).prompts;
          let t = 1;
          for (const raw of inputs) {
            let input: Input;
            if ('pick' in raw) {
              const buttons = prompts.flatMap((p) => p.buttons?.flat() ?? []);
              if (!buttons.length) continue;
              input = { kind: 'button', data: buttons[raw.pick % buttons.length]!.data };
            } else input = raw;
            const r = engine.step(flow, state, input, new Date(++t * 1000));
            for (const p of r.prompts) expect(typeof p.text).toBe('string');
            for (const b of r.prompts.flatMap((p) => p.buttons?.flat() ?? [])) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64);
            state = r.state;
            prompts = r.prompts;
            if (!state) return; // deleted
            checkState(flow, state);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
