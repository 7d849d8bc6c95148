import { randomUUID } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline/promises';
import { CLOSED_STATES } from '../conversation/machine.js';
import type { Runner } from '../conversation/runner.js';
import type { CheckinInfo, EngineEvent, Prompt } from '../conversation/types.js';
import type { Bank } from '../survey/load.js';
import type { Locale, LoadedFlow } from '../survey/schema.js';
import type { Pseudonymise } from '../pseudonym.js';

/**
 * The embedded default's channel: a chat in the terminal, so a newcomer can walk through a questionnaire
 * with nothing installed but Node. Buttons are shown as [1] [2] …; type a number with "#" ("#2") to press
 * one, or just type an answer as you would in a chat.
 */

export interface TerminalOptions {
  runner: Runner;
  bank: Bank;
  pseudonymise: Pseudonymise;
  locale: Locale;
  /** Where responses go, for the closing line ("written to data/responses.jsonl"). */
  sinkDescription: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export function renderPrompt(p: Prompt): string {
  const lines = [p.kind === 'notice' ? `(${p.text})` : p.text];
  const buttons = (p.buttons ?? []).flat();
  if (buttons.length) lines.push(buttons.map((b, i) => `[${i + 1}] ${b.label}`).join('  '));
  return lines.join('\n');
}

async function choose<T>(rl: Interface, question: string, options: Array<[string, T]>): Promise<T> {
  const menu = options.map(([label], i) => `  ${i + 1}. ${label}`).join('\n');
  for (;;) {
    const answer = (await rl.question(`${question}\n${menu}\n> `)).trim();
    const n = Number(answer);
    if (Number.isInteger(n) && n >= 1 && n <= options.length) return options[n - 1]![1];
  }
}

export async function runTerminal(opts: TerminalOptions): Promise<void> {
  const output = opts.output ?? process.stdout;
  const rl = createInterface({ input: opts.input ?? process.stdin, output, terminal: !opts.input && process.stdin.isTTY });
  const write = (s: string) => output.write(`${s}\n`);
  const flows = [...opts.bank.flows.values()];
  const flow = await choose<LoadedFlow>(rl, 'Which questionnaire?', flows.map((f) => [`${f.id} (${f.audience.role}, ${f.items.length} items)`, f]));
  const ageBand = flow.audience.ageBands?.length
    ? await choose(rl, 'Age band?', flow.audience.ageBands.map((b) => [b === 'young' ? 'young (8–11)' : 'teen (12–18)', b] as [string, typeof b]))
    : null;
  const chat = randomUUID();
  const key = `terminal:${opts.pseudonymise('terminal', chat)}`;
  const checkin: CheckinInfo = {
    id: `demo_${chat.slice(0, 8)}`, flow: flow.id, caseRef: 'DEMO', role: flow.audience.role, ageBand,
    worker: null, pseudonym: opts.pseudonymise('respondent', chat), channel: 'terminal', locale: opts.locale,
  };
  let buttons: string[] = [];
  const show = (prompts: Prompt[], events: EngineEvent[]) => {
    for (const p of prompts) write(`\n${renderPrompt(p)}`);
    const last = [...prompts].reverse().find((p) => p.buttons?.length);
    if (last) buttons = last.buttons!.flat().map((b) => b.data);
    for (const e of events) {
      if (e.type === 'response.completed' || e.type === 'response.partial') {
        write(`\n--- scored response (${e.type}) ---\n${JSON.stringify({ scores: e.response.scores, flags: e.response.flags }, null, 2)}`);
        write(`written to ${opts.sinkDescription}`);
      }
    }
  };
  let r = await opts.runner.handle({ key, input: { kind: 'open', checkin } });
  show(r.prompts, r.events);
  for (;;) {
    let line: string;
    try {
      line = await rl.question('> ');
    } catch {
      break; // Ctrl-D / closed input
    }
    const press = /^#(\d{1,2})$/.exec(line.trim());
    const data = press ? buttons[Number(press[1]) - 1] : undefined;
    r = await opts.runner.handle({ key, input: data ? { kind: 'button', data } : { kind: 'text', text: line } });
    show(r.prompts, r.events);
    if (r.state === undefined || CLOSED_STATES.includes(r.state.value)) break;
  }
  rl.close();
}
