import { describe, expect, it } from 'vitest';
import { compileSignals, spellingsOf } from '../../src/conversation/safety.js';

describe('the safety net reads spoken and SMS spellings as data', () => {
  const m = compileSignals({ selfHarm: ['ik wil niet meer leven'], fearAtHome: ['je veux pas rentrer'] }, spellingsOf(['nie=niet', 'k=ik', 'jveux=je veux']));

  it('matches a phrase written with the spellings of the list', () => {
    expect(m.match('k wil nie meer leven')).toEqual(['selfHarm']);
    expect(m.match('jveux pas rentrer')).toEqual(['fearAtHome']);
  });

  it('still matches the standard spelling, and nothing without the concept', () => {
    expect(m.match('ik wil niet meer leven')).toEqual(['selfHarm']);
    expect(m.match('k wil nie meer naar school')).toEqual([]);
  });

  it('applies the spellings to the phrases too, so a list may use either form', () => {
    const n = compileSignals({ selfHarm: ['k wil nie meer leven'] }, spellingsOf(['nie=niet', 'k=ik']));
    expect(n.match('ik wil niet meer leven')).toEqual(['selfHarm']);
  });
});
