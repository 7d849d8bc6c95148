import { describe, expect, it } from 'vitest';
import { compileSignals } from '../../src/conversation/safety.js';

describe('the safety net reads spoken and SMS spellings as data', () => {
  const m = compileSignals({
    spellings: ['nie=niet', 'k=ik', 'jveux=je veux'],
    concepts: { notLive: ['ik wil niet meer leven'], notHome: ['je veux pas rentrer'] },
    rules: { selfHarm: ['notLive'], fearAtHome: ['notHome'] },
  });

  it('matches a phrase written with the spellings of the list', () => {
    expect(m.match('k wil nie meer leven')).toEqual(['selfHarm']);
    expect(m.match('jveux pas rentrer')).toEqual(['fearAtHome']);
  });

  it('still matches the standard spelling, and nothing without the concept', () => {
    expect(m.match('ik wil niet meer leven')).toEqual(['selfHarm']);
    expect(m.match('k wil nie meer naar school')).toEqual([]);
  });

  it('applies the spellings to the phrases too, so a list may use either form', () => {
    const n = compileSignals({ spellings: ['nie=niet', 'k=ik'], concepts: { notLive: ['k wil nie meer leven'] }, rules: { selfHarm: ['notLive'] } });
    expect(n.match('ik wil niet meer leven')).toEqual(['selfHarm']);
  });

  it("splits elisions the list spells out, and reads emoji as the words they stand for", () => {
    const n = compileSignals({ spellings: ["j'=je", "m'=me"], emoji: ['🔪=couteau'], concepts: { self: ['je', 'me'], knife: ['couteau'] }, rules: { violence: ['self knife'] } });
    expect(n.match("il m'a menacé🔪")).toEqual(['violence']);
    expect(n.match("j'ai un couteau")).toEqual(['violence']);
    expect(n.match('un couteau')).toEqual([]);
  });
});
