import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CLOSED_STATES } from '../../conversation/machine.js';
import type { Runner } from '../../turns/runner.js';
import type { CheckinInfo, EngineEvent, Prompt } from '../../conversation/types.js';
import type { Bank } from '../../survey/load.js';
import type { Locale, LoadedFlow } from '../../survey/schema.js';
import type { Pseudonymise } from '../../pseudonym.js';

/**
 * The embedded default's channel: a chat in the terminal, so a newcomer can walk through a questionnaire
 * with nothing installed but Node. Buttons are shown as [a] [b] …; type the letter to press one, or just type an
 * answer as you would in a chat. Letters, not numbers: on a 0–10 scale a number is the answer itself, so a
 * button's position must never read as a value. Input may be piped (a script drives it); its end ends the chat.
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

/** The letter that presses button `i` (a, b, … z). */
const letterOf = (i: number) => String.fromCharCode(97 + i);

/** The button a typed line presses: one letter (`b`, `B`), else none — the line is then an answer in words or digits. */
export function pressed(line: string, buttons: readonly string[]): string | undefined {
  const m = /^([a-z])$/i.exec(line.trim());
  return m ? buttons[m[1]!.toLowerCase().charCodeAt(0) - 97] : undefined;
}

export function renderPrompt(p: Prompt): string {
  const lines = [p.kind === 'notice' ? `(${p.text})` : p.text];
  const buttons = (p.buttons ?? []).flat();
  if (buttons.length) lines.push(buttons.map((b, i) => `[${letterOf(i)}] ${b.label}`).join('  '));
  return lines.join('\n');
}

/** Lines as they come, typed or piped (readline's iterator buffers lines that arrive before they are asked for). */
type Lines = AsyncIterator<string>;

/** Writes `question` and the prompt, then waits for a line; undefined when the input ended. */
async function ask(lines: Lines, output: NodeJS.WritableStream, question: string): Promise<string | undefined> {
  output.write(question);
  const next = await lines.next();
  return next.done ? undefined : next.value;
}

async function choose<T>(lines: Lines, output: NodeJS.WritableStream, question: string, options: Array<[string, T]>): Promise<T | undefined> {
  const menu = options.map(([label], i) => `  ${letterOf(i)}. ${label}`).join('\n');
  for (;;) {
    const answer = await ask(lines, output, `${question}\n${menu}\n> `);
    if (answer === undefined) return undefined;
    const i = answer.trim().toLowerCase().charCodeAt(0) - 97;
    if (answer.trim().length === 1 && i >= 0 && i < options.length) return options[i]![1];
  }
}

export async function runTerminal(opts: TerminalOptions): Promise<void> {
  const output = opts.output ?? process.stdout;
  const input = opts.input ?? process.stdin;
  const rl = createInterface({ input, terminal: false });
  const lines: Lines = rl[Symbol.asyncIterator]();
  const write = (s: string) => output.write(`${s}\n`);
  try {
    const flows = [...opts.bank.flows.values()];
    const flow = await choose<LoadedFlow>(lines, output, 'Which questionnaire?', flows.map((f) => [`${f.id} (${f.audience.role}, ${f.items.length} items)`, f]));
    if (!flow) return;
    const ageBand = flow.audience.ageBands?.length
      ? await choose(lines, output, 'Age band?', flow.audience.ageBands.map((b) => [b === 'young' ? 'young (8–11)' : 'teen (12–18)', b] as [string, typeof b]))
      : null;
    if (ageBand === undefined) return;
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
      const line = await ask(lines, output, '> ');
      if (line === undefined) break; // Ctrl-D, or the end of piped input
      const data = pressed(line, buttons);
      r = await opts.runner.handle({ key, input: data ? { kind: 'button', data } : { kind: 'text', text: line } });
      show(r.prompts, r.events);
      if (r.state === undefined || CLOSED_STATES.includes(r.state.value)) break;
    }
  } finally {
    rl.close();
  }
}
