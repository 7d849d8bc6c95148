import { itemTextKeys, type Bank } from '../../survey/load.js';
import { LOCALES, type LoadedFlow } from '../../survey/schema.js';
import type { Db } from '../db/port.js';
import { ANSWER_COLUMNS, itemColumn, WIDE_PATTERNS } from './columns.js';
import { responseWhere, type ExportFilters } from './filters.js';

type Wording = Record<string, string | Record<string, string>>;

/** An item's text in every language; per age band (`young`, `teen`) when the audience has registers. */
function wording(bank: Bank, flow: LoadedFlow, ns: 'items' | 'flows', key: string): Wording {
  const out: Wording = {};
  for (const lng of LOCALES) {
    const texts = bank.resources[lng][ns] as Record<string, unknown>;
    const lookup = (k: string) => k.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown> | undefined)?.[part], texts);
    const keys = itemTextKeys(flow, key);
    const bands = flow.audience.ageBands;
    out[lng] = bands?.length
      ? Object.fromEntries(keys.map((k, i) => [bands[i]!, String(lookup(k) ?? '')]))
      : String(lookup(keys[0]!) ?? '');
  }
  return out;
}

function optionLabels(bank: Bank, item: string, options: string[]): Record<string, Record<string, string>> {
  return Object.fromEntries(options.map((o) => [o, Object.fromEntries(LOCALES.map((lng) => {
    const opts = (bank.resources[lng].items as Record<string, Record<string, { label?: string }> | undefined>)[`${item}_options`];
    return [lng, opts?.[o]?.label ?? ''];
  }))]));
}

function scaleLabels(bank: Bank, scale: string, values: number[]): Record<string, Record<string, string>> {
  return Object.fromEntries(values.map((v) => [String(v), Object.fromEntries(LOCALES.map((lng) => {
    const s = (bank.resources[lng].scales as Record<string, { values?: Record<string, { label?: string }> } | undefined>)[scale];
    return [lng, s?.values?.[String(v)]?.label ?? String(v)];
  }))]));
}

function describeFlow(bank: Bank, flow: LoadedFlow) {
  const items = flow.items.flatMap((item): Record<string, unknown>[] => {
    const base = { id: item.id, column: itemColumn(item.id), kind: item.kind, required: item.required, shownWhen: item.when ?? null, wording: wording(bank, flow, 'items', item.id) };
    if (item.kind === 'choice') return [{ ...base, options: optionLabels(bank, item.id, item.options) }];
    if (item.kind === 'text') return [{ ...base, freeText: true, maxLength: item.maxLength }];
    const scale = { ...base, scale: item.scale, domain: item.domain ?? null, reverse: item.reverse };
    if (!item.followUp) return [scale];
    const followUp = { id: item.followUp.id, column: itemColumn(item.followUp.id), kind: 'text', freeText: true, followUpOf: item.id, shownWhen: item.followUp.when ?? null, wording: wording(bank, flow, 'items', item.followUp.id) };
    return [scale, followUp];
  });
  const scales = [...new Set(flow.items.flatMap((i) => (i.kind === 'scale' ? [i.scale] : [])))];
  return {
    id: flow.id, version: flow.version, hash: flow.hash, status: flow.status, sources: flow.sources, audience: flow.audience,
    title: wording(bank, flow, 'flows', `${flow.id}.title`),
    domains: flow.scoring.domains, minAnsweredShare: flow.scoring.minAnsweredShare, flags: flow.scoring.flags,
    reverseItems: flow.items.filter((i) => i.kind === 'scale' && i.reverse).map((i) => i.id),
    scales: Object.fromEntries(scales.map((s) => [s, { ...flow.scales[s]!, labels: scaleLabels(bank, s, flow.scales[s]!.values) }])),
    items,
  };
}

/**
 * The codebook of the exports: what every column means, each questionnaire (items, wording per language,
 * scales with their labels, domains, reverse items, flags) and every flow version and hash seen in the data.
 * Scoring: an answered scale item is normalised to 0–100 ((value − min) / (max − min) · 100, turned for reverse
 * items); a domain score is the mean over its answered items, empty below minAnsweredShare.
 */
export async function codebook(db: Db, bank: Bank, f: ExportFilters) {
  const where = responseWhere(f);
  const seen = await db.query<{ flow_id: string; flow_version: number; flow_hash: string; responses: number; first: Date; last: Date }>(
    `SELECT r.flow_id, r.flow_version, r.flow_hash, count(*) AS responses, min(r.completed_at) AS first, max(r.completed_at) AS last
     FROM responses r WHERE ${where.sql} GROUP BY r.flow_id, r.flow_version, r.flow_hash ORDER BY r.flow_id, r.flow_version`,
    where.params,
  );
  const flows = [...bank.versions.values()].filter((fl) => (!f.flow || fl.id === f.flow) && (!f.version || fl.version === f.version));
  return {
    scoring: 'Scale items are normalised to 0–100: (value − min) / (max − min) × 100, turned (100 − s) for reverse items. A domain score is the mean of its answered items, empty when fewer than minAnsweredShare of its asked items were answered. dontKnow and skipped count as missing.',
    missing: 'An empty cell is a missing value: not asked, dontKnow, skipped, free text not granted, or removed after its retention period.',
    columns: { 'answers.csv': ANSWER_COLUMNS, 'responses.csv': WIDE_PATTERNS },
    flows: flows.map((fl) => describeFlow(bank, fl)),
    versionsInData: seen.map((s) => ({
      flow: s.flow_id, version: s.flow_version, hash: s.flow_hash, responses: s.responses, first: s.first.toISOString(), last: s.last.toISOString(),
      known: bank.versions.get(`${s.flow_id}@${s.flow_version}`)?.hash === s.flow_hash,
    })),
  };
}
