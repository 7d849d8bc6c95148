import { decodeButton } from '../../conversation/input.js';
import type { Button, Prompt } from '../../conversation/types.js';
import { splitText } from '../kit/text.js';

/**
 * Neutral prompts → WhatsApp Cloud API messages (the `type` and its object; the client adds the recipient). Pure,
 * so what a respondent sees is checked without a server.
 *
 * Within WhatsApp's limits, per block of the engine's button rows: reply buttons (at most 3, titles ≤ 20
 * characters) when every row fits, rows joined while they fit; otherwise list messages (at most 10 rows, titles
 * ≤ 24), rows packed while they fit. So the intro, yes/no menus and the smiley scale are one tap (the smileys in
 * one message, "don't know / skip / back" in a second); 1–5 is one list; 0–10 (11 values) is two lists,
 * "0 – 5" and "6 – 10" with the other choices; and typed answers work everywhere, as on every channel.
 * Button and row ids are the engine's button data, unchanged, so a press on an old message is recognised.
 */

/** WhatsApp's limits (Cloud API reference, interactive messages). */
export const LIMITS = { text: 4096, buttonBody: 1024, listBody: 4096, buttons: 3, buttonTitle: 20, rows: 10, rowTitle: 24, rowDescription: 72, listButton: 20 } as const;

interface Row { id: string; title: string; description?: string }

export type Interactive =
  | { type: 'button'; body: { text: string }; action: { buttons: Array<{ type: 'reply'; reply: { id: string; title: string } }> } }
  | { type: 'list'; body: { text: string }; action: { button: string; sections: Array<{ rows: Row[] }> } };

export type Outgoing =
  | { type: 'text'; text: { body: string; preview_url: false } }
  | { type: 'interactive'; interactive: Interactive }
  | { type: 'template'; template: { name: string; language: { code: string; policy: 'deterministic' } } };

/** The channel's own words, in the conversation's language (locales/<lng>/whatsapp.json). */
export interface Words {
  /** The list's button when a prompt has one list ("Kies"). */
  choose: string;
  /** The text of a prompt's second and later interactive message ("Andere keuzes:"). */
  more: string;
}

export const textMessage = (body: string): Outgoing => ({ type: 'text', text: { body, preview_url: false } });

const fitsButtons = (bs: Button[]) => bs.length <= LIMITS.buttons && bs.every((b) => b.label.length <= LIMITS.buttonTitle);

/** Whole rows joined into blocks of at most `max`; a row longer than that is cut. */
function pack(rows: Button[][], max: number): Button[][] {
  const blocks: Button[][] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i += max) {
      const part = row.slice(i, i + max);
      const last = blocks.at(-1);
      if (last && last.length + part.length <= max) last.push(...part);
      else blocks.push([...part]);
    }
  }
  return blocks;
}

/** The engine's rows as blocks, one interactive message each: reply buttons where every row fits them, else lists. */
export function blocksOf(rows: Button[][]): Button[][] {
  const nonEmpty = rows.filter((r) => r.length);
  return nonEmpty.every(fitsButtons) ? pack(nonEmpty, LIMITS.buttons) : pack(nonEmpty, LIMITS.rows);
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function row(b: Button): Row {
  const title = cut(b.label, LIMITS.rowTitle);
  return title === b.label ? { id: b.data, title } : { id: b.data, title, description: cut(b.label, LIMITS.rowDescription) };
}

/** A list's button: the range of answers it holds ("0 – 5") when a prompt needs several lists, else "Kies". */
function listButton(block: Button[], several: boolean, words: Words): string {
  const values = block.filter((b) => {
    const d = decodeButton(b.data);
    return (d?.code === 'a' || d?.code === 'ed') && d.arg !== undefined;
  });
  const range = values.length > 1 ? `${values[0]!.label} – ${values.at(-1)!.label}` : '';
  return several && range && range.length <= LIMITS.listButton ? range : cut(words.choose, LIMITS.listButton);
}

function interactive(block: Button[], body: string, several: boolean, words: Words): Outgoing {
  if (fitsButtons(block)) {
    return { type: 'interactive', interactive: { type: 'button', body: { text: body }, action: { buttons: block.map((b) => ({ type: 'reply', reply: { id: b.data, title: b.label } })) } } };
  }
  return { type: 'interactive', interactive: { type: 'list', body: { text: body }, action: { button: listButton(block, several, words), sections: [{ rows: block.map(row) }] } } };
}

/**
 * One prompt as messages: its text (cut into pieces WhatsApp accepts), the last piece carrying the first block of
 * buttons; further blocks follow as messages of their own.
 */
export function toMessages(prompt: Prompt, words: Words): Outgoing[] {
  const blocks = blocksOf(prompt.buttons ?? []);
  if (!blocks.length) return splitText(prompt.text, LIMITS.text).map(textMessage);
  const bodyMax = fitsButtons(blocks[0]!) ? LIMITS.buttonBody : LIMITS.listBody;
  const pieces = splitText(prompt.text, bodyMax);
  const body = pieces.pop() ?? words.more;
  const several = blocks.filter((b) => !fitsButtons(b)).length > 1;
  return [
    ...pieces.map(textMessage),
    ...blocks.map((block, i) => interactive(block, i === 0 ? body : words.more, several, words)),
  ];
}

/**
 * WhatsApp has no command menu: `/stop` in a text is shown as the word to type, in bold (`*stop*`), when it is
 * one of the commands the bot knows. Typed with or without the slash, a command works the same.
 */
export function commandsAsWords(text: string, isCommand: (word: string) => boolean): string {
  return text.replace(/(^|[\s(«“"'])\/(\p{L}+)(?=$|[\s).,;:!?»”"'])/gu, (whole, before: string, word: string) => (isCommand(word) ? `${before}*${word}*` : whole));
}

/** "Je antwoord: …" above what a turn says next: a sent WhatsApp message cannot be edited to show it. */
export function withEcho(prompts: Prompt[], echo: string | undefined): Prompt[] {
  if (!echo) return prompts;
  const [first, ...rest] = prompts;
  return first ? [{ ...first, text: `${echo}\n\n${first.text}` }, ...rest] : [{ kind: 'notice', text: echo }];
}
