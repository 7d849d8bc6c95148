import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { routeConsole } from '../../../src/channels/teams/console.js';
import { createLogger } from '../../../src/log.js';

/** botbuilder's console output (raw stack traces with a forged token's claims) goes to the redacting logger, without its message. */
describe('botbuilder console output', () => {
  it('becomes one log line with the error name only; the console itself gets nothing; undone on stop', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
    const raw = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const rawWarn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const restore = routeConsole(createLogger({ destination: sink }));
    const claim = 'aud-attacker-EvilClaim42';
    console.error(Object.assign(new Error(`Invalid AppId passed on token: ${claim}`), { name: 'AuthenticationError', statusCode: 401 }));
    console.warn(`Exception in inbound interception ${claim}`);
    restore();
    expect(raw).not.toHaveBeenCalled();
    expect(rawWarn).not.toHaveBeenCalled();
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain(claim);
    expect(JSON.parse(lines[0]!)).toMatchObject({ source: 'botbuilder', err: 'AuthenticationError', status: 401 });
    console.error('after');
    expect(raw).toHaveBeenCalledWith('after');
  });
});
