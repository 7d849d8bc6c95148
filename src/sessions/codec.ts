import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How a conversation's state is written into Redis: `<rev> <payload>` in one string. The payload is the state's
 * JSON, deflated against a preset dictionary of the field names every snapshot repeats — 1,222 B of JSON halfway
 * through parent-full become ~290 B (deflate alone: ~490 B). It costs CPU: ~20 µs to write and ~15 µs to read a
 * state, and under load the store's load+save path runs at about half the rate it does with plain JSON
 * (bench/sessions.ts measures both), still above what the engine steps per core (bench/engine.ts).
 *
 * The payload's first byte says how to read it, so older values stay readable:
 * - `j` — plain JSON: written when deflating is turned off, and how the scripts hand over a state hash of the first
 *   layout (`state`, `rev` fields);
 * - `z` — raw deflate with {@link DICTIONARY_Z}. That dictionary must never change: a new one gets a new letter.
 */
const DICTIONARY_Z = Buffer.from(
  '{"snap":{"value":"asking","context":{"f":1,"flow":{"id":"","version":1,"hash":"sha256:"},"checkin":{"id":"chk_","flow":"",' +
    '"caseRef":null,"role":"parent","ageBand":null,"worker":null,"pseudonym":"","channel":"telegram","locale":"nl"},' +
    '"lng":"nl","rev":1,"openedAt":"2026-","startedAt":"2026-","cursor":0,"followUp":false,"answers":{"":{"v":1,"s":"a",' +
    '"at":"2026-"}},"misses":0,"returnTo":null,"resume":null,"safety":[],"pending":null}},"recent":[""]}',
);

const Z = 0x7a; // 'z'
const J = 0x6a; // 'j'
const SPACE = 0x20;

/** The payload for `json` (already validated by `encodeForSave`): deflated, or plain JSON when `deflate` is false. */
export function encodeState(json: string, deflate = true): Buffer {
  if (!deflate) return Buffer.concat([Buffer.of(J), Buffer.from(json)]);
  return Buffer.concat([Buffer.of(Z), deflateRawSync(json, { dictionary: DICTIONARY_Z })]);
}

/** Splits a stored `<rev> <payload>` value and decodes its state. */
export function decodeStored<S>(value: Buffer): { state: S; rev: number } {
  const space = value.indexOf(SPACE);
  const rev = Number(value.subarray(0, space).toString('latin1'));
  if (space < 1 || !Number.isSafeInteger(rev)) throw new Error('stored conversation has no revision');
  const payload = value.subarray(space + 1);
  return { state: JSON.parse(decodePayload(payload)) as S, rev };
}

function decodePayload(payload: Buffer): string {
  if (payload[0] === Z) return inflateRawSync(payload.subarray(1), { dictionary: DICTIONARY_Z }).toString('utf8');
  if (payload[0] === J) return payload.subarray(1).toString('utf8');
  throw new Error(`stored conversation has an unknown format (${payload[0]})`);
}
