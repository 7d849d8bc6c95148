/**
 * The columns of the research exports, each with what it means: the CSV writers and the codebook read this
 * one list, so a column cannot appear in one without the other. Names are valid R and SPSS variable names.
 */
export interface Column {
  name: string;
  description: string;
}

/** Columns describing the response, first in both exports. */
export const RESPONSE_COLUMNS: Column[] = [
  { name: 'response_id', description: 'The response id (one per check-in).' },
  { name: 'case_key', description: 'Pseudonymised case reference: a keyed hash, stable within this installation; empty without a case.' },
  { name: 'team_ref', description: 'The team the check-in named; empty when none.' },
  { name: 'respondent', description: 'Respondent pseudonym (keyed hash of the chat account); the same person across check-ins.' },
  { name: 'role', description: 'parent or child.' },
  { name: 'age_band', description: 'young or teen for children; empty for parents.' },
  { name: 'flow_id', description: 'The questionnaire (see flows in this codebook).' },
  { name: 'flow_version', description: 'Version of the questionnaire.' },
  { name: 'flow_hash', description: 'sha256 of the exact questionnaire content.' },
  { name: 'locale', description: 'Language the questions were asked in (nl, fr, en).' },
  { name: 'channel', description: 'Chat channel (telegram, teams, web, whatsapp, terminal).' },
  { name: 'type', description: 'completed, or partial (stopped or expired before the end).' },
  { name: 'started_at', description: 'When the respondent began (UTC, ISO 8601).' },
  { name: 'completed_at', description: 'When the response was completed or closed (UTC, ISO 8601).' },
];

/** Long form: one row per answer. */
export const ANSWER_COLUMNS: Column[] = [
  ...RESPONSE_COLUMNS,
  { name: 'position', description: 'Order in which the item was answered (0 = first).' },
  { name: 'item', description: 'Item id (see flows[].items in this codebook).' },
  { name: 'status', description: "answered, dontKnow or skipped (the latter two have an empty value)." },
  { name: 'value', description: 'The raw answer: the scale value, the option id, or the typed text (free text only for users granted it; empty otherwise).' },
  { name: 'score', description: 'Normalised 0–100, reverse items already turned; empty when missing or unscored.' },
  { name: 'label', description: 'The label the respondent saw for the chosen value, in their language.' },
  { name: 'answered_at', description: 'When the item was answered (UTC, ISO 8601).' },
  { name: 'comment', description: 'A comment the respondent added to the item (free text: only for users granted it).' },
];

/** Wide form: one row per response; then one column per item (its raw value) and per domain score and flag. */
export const WIDE_PATTERNS: Column[] = [
  ...RESPONSE_COLUMNS,
  { name: '<item column>', description: 'One column per item (flows[].items[].column): its raw value as in the long form.' },
  { name: 'score_<domain>', description: 'Domain score 0–100 as computed by the bot; empty when too few items were answered.' },
  { name: 'flag_<name>', description: '1 when the flag was raised, 0 when not.' },
];

/** An item id as a variable name: `-` is not allowed in R or SPSS names. */
export const itemColumn = (item: string): string => item.replace(/-/g, '_');

/** Typed text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection). */
export const safeText = (text: string): string => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
