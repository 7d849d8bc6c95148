import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SAFETY_MODEL_FILE, SafetyModel } from './safety-model.js';
import { Flow, LOCALES, Scale, type Item, type LoadedFlow, type Locale } from './schema.js';

/**
 * Loads every flow and every locale file once, at start-up, and checks them together: a flow is only
 * usable when each text it needs exists in every shipped language. All problems are collected and
 * reported at once, one line each: `file: path: what is wrong`.
 */

/**
 * The conversation's own namespaces. Every other `<name>.json` in a language's folder is a channel's words
 * (cards, pages), found on disk: a new channel adds its file, not a line here.
 */
const CORE_NAMESPACES = ['common', 'items', 'scales', 'flows', 'safety'] as const;
/** Texts every language must have: all but the item, scale and flow texts, which are checked per flow. */
const perFlow = (ns: string) => ns === 'items' || ns === 'scales' || ns === 'flows';
type Texts = Record<string, unknown>;
export type Resources = Record<Locale, Record<(typeof CORE_NAMESPACES)[number], Texts> & Partial<Record<string, Texts>>>;

export interface Bank {
  /** Newest version of each flow, by id. */
  flows: Map<string, LoadedFlow>;
  /** Every loaded version, by `id@version`: a conversation finishes on the version it started with. */
  versions: Map<string, LoadedFlow>;
  resources: Resources;
  /** The safety net's classifier (`locales/safety-model.json`), when there is one. */
  safetyModel?: SafetyModel;
}

export class FlowLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(`Flows or locales are invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`);
    this.name = 'FlowLoadError';
  }
}

export interface LoadOptions {
  /** Folders with flow YAML files, in order; later ones add flows (tests add fixture flows this way). */
  flowDirs: string[];
  /** Folders with `<lng>/<namespace>.json`; later ones are merged over earlier ones. */
  localeDirs: string[];
}

const SCALES_FILE = 'scales.yaml';

function issuePath(path: PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top)';
}

function zodProblems(file: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${file}: ${issuePath(i.path)}: ${i.message}`);
}

function readYaml(file: string, problems: string[]): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else into[k] = v;
  }
  return into;
}

/** Every namespace with a file in any language folder, the conversation's own first. */
function namespacesIn(localeDirs: string[]): string[] {
  const found = new Set<string>(CORE_NAMESPACES);
  for (const dir of localeDirs) {
    for (const lng of LOCALES) {
      const folder = join(dir, lng);
      if (existsSync(folder)) for (const f of readdirSync(folder).sort()) if (f.endsWith('.json')) found.add(basename(f, '.json'));
    }
  }
  return [...found];
}

export function loadResources(localeDirs: string[], problems: string[]): Resources {
  const namespaces = namespacesIn(localeDirs);
  const res = Object.fromEntries(LOCALES.map((l) => [l, Object.fromEntries(namespaces.map((n) => [n, {}]))])) as Resources;
  for (const dir of localeDirs) {
    for (const lng of LOCALES) {
      for (const ns of namespaces) {
        const file = join(dir, lng, `${ns}.json`);
        if (!existsSync(file)) continue;
        try {
          deepMerge(res[lng][ns]!, JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
        } catch (e) {
          problems.push(`${file}: ${(e as Error).message}`);
        }
      }
    }
  }
  return res;
}

function lookup(res: Resources, lng: Locale, ns: string, key: string): unknown {
  let cur: unknown = res[lng][ns];
  for (const part of key.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** The text keys an item needs, with the i18next context suffix for each register of the audience. */
export function itemTextKeys(flow: Pick<LoadedFlow, 'audience'>, id: string): string[] {
  const bands = flow.audience.ageBands;
  return bands?.length ? bands.map((b) => `${id}_${b}`) : [id];
}

function checkItemTexts(flow: LoadedFlow, file: string, res: Resources, problems: string[]): void {
  const want = (lng: Locale, ns: string, key: string, where: string) => {
    const v = lookup(res, lng, ns, key);
    if (typeof v !== 'string' || v.trim() === '') problems.push(`${file}: ${where}: missing text "${ns}:${key}" in locales/${lng}`);
  };
  for (const lng of LOCALES) {
    for (const part of ['title', 'purpose']) itemTextKeys(flow, `${flow.id}.${part}`).forEach((k) => want(lng, 'flows', k, 'intro'));
    flow.items.forEach((item, i) => {
      itemTextKeys(flow, item.id).forEach((k) => want(lng, 'items', k, `items.${i}`));
      if (item.kind === 'scale') {
        if (item.followUp) itemTextKeys(flow, item.followUp.id).forEach((k) => want(lng, 'items', k, `items.${i}.followUp`));
        const scale = flow.scales[item.scale];
        if (scale?.type === 'labelled') {
          for (const v of scale.values) want(lng, 'scales', `${item.scale}.values.${v}.label`, `items.${i}.scale`);
        }
      }
      if (item.kind === 'choice') item.options.forEach((o) => want(lng, 'items', `${item.id}_options.${o}.label`, `items.${i}.options`));
    });
  }
}

function checkStructure(flow: LoadedFlow, file: string, problems: string[]): void {
  const seen = new Set<string>();
  const domains = new Set(flow.scoring.domains);
  flow.items.forEach((item: Item, i) => {
    const ids = item.kind === 'scale' && item.followUp ? [item.id, item.followUp.id] : [item.id];
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${file}: items.${i}.id: "${id}" is used twice`);
      seen.add(id);
    }
    if (item.when && !flow.items.slice(0, i).some((e) => e.id === item.when!.item)) {
      problems.push(`${file}: items.${i}.when.item: "${item.when.item}" is not an earlier item`);
    }
    if (item.kind === 'scale' && !flow.scales[item.scale]) problems.push(`${file}: items.${i}.scale: unknown scale "${item.scale}"`);
    if (item.kind === 'scale' && item.domain && !domains.has(item.domain)) {
      problems.push(`${file}: items.${i}.domain: "${item.domain}" is not in scoring.domains`);
    }
  });
  for (const [name, flag] of Object.entries(flow.scoring.flags)) {
    if ('domain' in flag && !domains.has(flag.domain)) problems.push(`${file}: scoring.flags.${name}.domain: "${flag.domain}" is not in scoring.domains`);
  }
  for (const d of domains) {
    if (!flow.items.some((it) => it.kind === 'scale' && it.domain === d)) problems.push(`${file}: scoring.domains: "${d}" has no items`);
  }
  if (flow.audience.role === 'child' && !flow.audience.ageBands?.length) {
    problems.push(`${file}: audience.ageBands: a child flow needs at least one register (young, teen)`);
  }
}

/** The content hash names exactly what was asked: the flow file, its scales, and its texts in every language. */
function contentHash(source: string, flow: LoadedFlow, res: Resources): string {
  const h = createHash('sha256');
  h.update(source);
  h.update(JSON.stringify(flow.scales));
  for (const lng of LOCALES) {
    h.update(JSON.stringify(res[lng].flows[flow.id] ?? null));
    for (const item of flow.items) {
      const ids = [item.id, ...(item.kind === 'scale' && item.followUp ? [item.followUp.id] : [])];
      for (const id of ids) for (const k of itemTextKeys(flow, id)) h.update(`${k}=${String(lookup(res, lng, 'items', k))}`);
      if (item.kind === 'scale') h.update(JSON.stringify(res[lng].scales[item.scale] ?? null));
      if (item.kind === 'choice') h.update(JSON.stringify(res[lng].items[`${item.id}_options`] ?? null));
    }
  }
  return `sha256:${h.digest('hex')}`;
}

function loadScales(dir: string, problems: string[]): Record<string, Scale> {
  const file = join(dir, SCALES_FILE);
  if (!existsSync(file)) return {};
  const raw = readYaml(file, problems);
  const out: Record<string, Scale> = {};
  for (const [name, def] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    const r = Scale.safeParse(def);
    if (r.success) out[name] = r.data;
    else problems.push(...zodProblems(file, r.error).map((p) => p.replace(`${file}: `, `${file}: ${name}.`)));
  }
  return out;
}

function flatKeys(obj: unknown, prefix = ''): string[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => flatKeys(v, prefix ? `${prefix}.${k}` : k));
}

/** The safety net's word classes and rules are each language's own (safety.ts): not texts to translate one to one. */
const DETECTOR_KEYS = new Set(['markers', 'spellings', 'endings', 'emoji', 'ordinary', 'concepts', 'rules', 'window']);

/** Dutch is the reference: every UI and safety text it has must exist in every other shipped language. */
function checkSharedTexts(res: Resources, problems: string[]): void {
  for (const ns of Object.keys(res.nl).filter((n) => !perFlow(n))) {
    const reference = flatKeys(res.nl[ns]).filter((k) => k && !(ns === 'safety' && DETECTOR_KEYS.has(k.split('.')[0]!)));
    if (reference.length === 0 && (ns === 'common' || ns === 'safety')) problems.push(`locales/nl/${ns}.json: missing or empty`);
    for (const lng of LOCALES.filter((l) => l !== 'nl')) {
      if (reference.length && Object.keys(res[lng][ns] ?? {}).length === 0) {
        problems.push(`locales/${lng}/${ns}.json: missing or empty (nl has ${reference.length} texts)`);
        continue;
      }
      for (const key of reference) {
        const v = lookup(res, lng, ns, key);
        if (v === undefined || v === '') problems.push(`locales/${lng}/${ns}.json: ${key}: missing (present in nl)`);
      }
    }
  }
}

export function loadBank(opts: LoadOptions): Bank {
  const problems: string[] = [];
  const resources = loadResources(opts.localeDirs, problems);
  checkSharedTexts(resources, problems);
  const scales: Record<string, Scale> = {};
  for (const dir of opts.flowDirs) Object.assign(scales, loadScales(dir, problems));

  const flows = new Map<string, LoadedFlow>();
  const versions = new Map<string, LoadedFlow>();
  for (const dir of opts.flowDirs) {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== SCALES_FILE).sort();
    for (const name of files) {
      const file = join(dir, name);
      const source = readFileSync(file, 'utf8');
      const raw = readYaml(file, problems);
      if (raw === undefined) continue;
      const parsed = Flow.safeParse(raw);
      if (!parsed.success) {
        problems.push(...zodProblems(file, parsed.error));
        continue;
      }
      const flow: LoadedFlow = {
        ...parsed.data,
        scales: { ...scales, ...parsed.data.scales },
        hash: '',
        index: new Map(parsed.data.items.map((it, i) => [it.id, i])),
      };
      const before = problems.length;
      checkStructure(flow, file, problems);
      checkItemTexts(flow, file, resources, problems);
      if (problems.length > before) continue;
      flow.hash = contentHash(source, flow, resources);
      const key = `${flow.id}@${flow.version}`;
      if (versions.has(key)) problems.push(`${file}: id: ${key} is defined twice (${basename(file)})`);
      versions.set(key, flow);
      if ((flows.get(flow.id)?.version ?? 0) < flow.version) flows.set(flow.id, flow);
    }
  }
  const safetyModel = loadSafetyModel(opts.localeDirs, problems);
  if (problems.length) throw new FlowLoadError(problems);
  return { flows, versions, resources, ...(safetyModel && { safetyModel }) };
}

/** The last locale folder that has a safety model wins, like texts; none is fine (the rules alone run). */
function loadSafetyModel(localeDirs: readonly string[], problems: string[]): SafetyModel | undefined {
  const file = localeDirs.map((d) => join(d, SAFETY_MODEL_FILE)).filter((f) => existsSync(f)).pop();
  if (!file) return undefined;
  try {
    const parsed = SafetyModel.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
    problems.push(...zodProblems(file, parsed.error));
  } catch (e) {
    problems.push(`${file}: ${(e as Error).message}`);
  }
  return undefined;
}
