/**
 * Bounds on what a respondent can type, the same on every channel. A long open answer (a parent's paragraph about
 * what went well and what did not) fits easily in 2,000 characters — about 350 words, half a Telegram message's
 * maximum. Longer text is refused before anything reads it, so the safety check's cost (linear in the text) is
 * bounded per input and one respondent cannot slow the bot for everyone (measured in `npm run bench`).
 */
export const MAX_TYPED_CHARS = 2000;

/** True when a typed text is over the limit: the turn is then answered kindly and changes nothing. */
export const tooLong = (text: string): boolean => text.length > MAX_TYPED_CHARS;
