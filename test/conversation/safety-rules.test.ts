import { describe, expect, it } from 'vitest';
import { compileDetector, compileSignals, type SafetyLexicon } from '../../src/conversation/safety.js';

/** A small lexicon of the shape the locales use, so each behaviour of the rules is seen on its own. */
const lexicon: SafetyLexicon = {
  markers: ['het', 'ik', 'niet', 'de'],
  spellings: ['k=ik', 'nie=niet', 'mn=mijn'],
  emoji: ['🔪=mes'],
  ordinary: ['slaapt'],
  concepts: {
    family: ['papa', 'mama', 'stiefvader', 'vriend van mama'],
    hurt: ['slaat', 'sloeg', 'geslagen', 'mishandel*'],
    self: ['ik', 'me', 'mij'],
    harmless: ['bal', 'nergens op'],
    knife: ['mes'],
  },
  rules: { violence: ['family hurt !harmless', 'hurt self !harmless @3'], weapon: ['knife family'], between: ['family hurt family'] },
};
const m = compileSignals(lexicon);

describe('the safety net combines concepts in any order', () => {
  it('matches one rule whatever the word order, tense or words in between', () => {
    for (const text of ['papa slaat', 'slaat papa', 'mijn papa heeft mij geslagen', 'gisteren sloeg de vriend van mama weer', 'PAPA SLAAT!!!']) {
      expect(m.match(text), text).toEqual(['violence']);
    }
  });

  it('reads typos of long words and swapped letters, but not a short word one slip away', () => {
    expect(m.match('ik word mishandelt')).toEqual(['violence']);
    expect(m.match('papa geslagn')).toEqual(['violence']);
    expect(m.match('papa salat')).toEqual(['violence']);
    expect(m.match('papa slaapt')).toEqual([]);
    expect(m.match('papa staat')).toEqual([]);
  });

  it('keeps an excluding concept and a rule window', () => {
    expect(m.match('mijn papa slaat de bal weg')).toEqual([]);
    expect(m.match('die vragen slaan nergens op, zegt mama')).toEqual([]);
    expect(m.match('ik sla hem')).toEqual([]);
    expect(m.match('slaat me')).toEqual(['violence']);
    expect(m.match('slaat iets heel ver van hier weg en dan ik')).toEqual([]);
  });

  it('reads emoji and spoken spellings as the words they stand for', () => {
    expect(m.match('mama 🔪')).toEqual(['weapon']);
    expect(m.match('k word geslagen')).toEqual(['violence']);
  });

  it("runs a language's rules only on texts with one of its function words, and every language on texts with none", () => {
    const english: SafetyLexicon = { markers: ['the', 'i'], concepts: { die: ['die', 'dead'], self: ['i', 'me'] }, rules: { suicide: ['self die'] } };
    const net = compileDetector([lexicon, english]);
    expect(net.match('ik lach me dood met die begeleider')).toEqual([]);
    expect(net.match('i want to die')).toEqual(['suicide']);
    expect(net.match('me die')).toEqual(['suicide']);
    expect(net.match('ik word geslagen en i want to die')).toEqual(['violence', 'suicide']);
  });

  it('needs two places for a concept a rule names twice', () => {
    expect(m.match('papa slaat')).not.toContain('between');
    expect(m.match('papa slaat mama')).toContain('between');
  });

  it('says which concept a rule names that no list defines', () => {
    expect(() => compileSignals({ concepts: { a: ['x'] }, rules: { c: ['a b'] } })).toThrow(/unknown concept "b"/);
  });
});
