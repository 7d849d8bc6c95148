import { buildLexicons } from '../conversation/lexicon.js';
import { normalise } from '../conversation/normalise.js';
import type { Bank } from './load.js';
import { LOCALES } from './schema.js';

/**
 * What `npm run flows:check` adds to loading: the typed answers must agree with the buttons. A button's label,
 * typed, must mean the same value; no word may mean two values of one item; an answer word must not also be a
 * universal word ("weet ik niet", "sla over", "terug"), or typing it would do something unexpected.
 */
export function checkBank(bank: Bank): string[] {
  const problems: string[] = [];
  const lex = buildLexicons(bank.resources, bank.versions.values(), problems);
  for (const lng of LOCALES) {
    const l = lex.byLocale[lng];
    for (const [scaleId, map] of l.scales) {
      const defs = (bank.resources[lng].scales[scaleId] as { values?: Record<string, { button?: string; label?: string }> } | undefined)?.values ?? {};
      for (const [value, def] of Object.entries(defs)) {
        for (const shown of [def.button, def.label]) {
          if (shown === undefined) continue;
          const meant = map.get(normalise(shown));
          if (meant !== Number(value)) problems.push(`locales/${lng}/scales.json: ${scaleId}.${value}: typing "${shown}" means ${String(meant)}, not ${value}`);
        }
      }
      for (const word of map.keys()) {
        const clash = (l.words.get(word) ?? []).filter((k) => k === 'dontKnow' || k === 'skip' || k === 'back');
        if (clash.length) problems.push(`locales/${lng}: "${word}" is an answer of ${scaleId} and also means ${clash.join(', ')}`);
      }
    }
  }
  return problems;
}
