import { createEngine, type Engine } from '../../src/conversation/engine.js';
import type { CheckinInfo, Input, Prompt, Snapshot, StepResult } from '../../src/conversation/types.js';
import { createTexts, type Texts } from '../../src/i18n.js';
import { loadBank, type Bank } from '../../src/survey/load.js';
import type { LoadedFlow } from '../../src/survey/schema.js';

/** The shipped flows and locales plus the fixture instrument, loaded once per test file. */
export function loadTestBank(): { bank: Bank; texts: Texts; engine: Engine } {
  const bank = loadBank({ flowDirs: ['flows', 'test/fixtures/flows'], localeDirs: ['locales', 'test/fixtures/locales'] });
  const texts = createTexts(bank.resources);
  return { bank, texts, engine: createEngine(bank, texts) };
}

export function checkin(flow: LoadedFlow, over: Partial<CheckinInfo> = {}): CheckinInfo {
  return {
    id: 'chk_test1', flow: flow.id, caseRef: 'CASE1', role: flow.audience.role,
    ageBand: flow.audience.ageBands?.[0] ?? null, worker: null, pseudonym: 'psd_test', channel: 'test', locale: 'nl', ...over,
  };
}

/**
 * Drives the engine like a respondent would, one input at a time, with a clock that moves 5 s per turn.
 * `press(label)` taps the button with that label on the latest prompt that has buttons.
 */
export class Chat {
  state: Snapshot | undefined;
  last: StepResult = { state: undefined, prompts: [], events: [] };
  events: StepResult['events'] = [];
  turns = 0;
  private clock: number;

  constructor(readonly engine: Engine, readonly flow: LoadedFlow, start = Date.parse('2026-11-01T10:00:00Z')) {
    this.clock = start;
  }

  send(input: Input): StepResult {
    this.clock += 5000;
    this.turns++;
    this.last = this.engine.step(this.flow, this.state, input, new Date(this.clock));
    this.state = this.last.state;
    this.events.push(...this.last.events);
    return this.last;
  }

  open(c: CheckinInfo): StepResult {
    return this.send({ kind: 'open', checkin: c });
  }

  say(text: string): StepResult {
    return this.send({ kind: 'text', text });
  }

  /** Buttons of the newest prompt that has any. */
  buttons(from: Prompt[] = this.last.prompts) {
    const p = [...from].reverse().find((x) => x.buttons?.length);
    return p?.buttons?.flat() ?? [];
  }

  press(label: string | RegExp): StepResult {
    const b = this.buttons().find((x) => (typeof label === 'string' ? x.label === label : label.test(x.label)));
    if (!b) throw new Error(`no button ${String(label)} in [${this.buttons().map((x) => x.label).join(' | ')}]`);
    return this.send({ kind: 'button', data: b.data });
  }

  /** All text of the last turn, joined: what the respondent read. */
  get text(): string {
    return this.last.prompts.map((p) => p.text).join('\n');
  }

  get ask(): string | undefined {
    return [...this.last.prompts].reverse().find((p) => p.ask)?.ask;
  }
}
