import i18next, { type Resource, type TFunction } from 'i18next';
import type { Resources } from './survey/load.js';
import { LOCALES, type Locale } from './survey/schema.js';

/**
 * One i18next instance for the process, initialised synchronously from the loaded resources, with one
 * fixed `t` per language made once: a turn never creates an i18n instance or re-reads a file.
 */
export interface Texts {
  t(lng: Locale): TFunction;
  resources: Resources;
  /** `DEFAULT_LOCALE`: what is said when nothing tells the language. */
  fallback: Locale;
}

/** `fallback`: the language a missing text falls back to (`DEFAULT_LOCALE`; every text is checked at load). */
export function createTexts(resources: Resources, fallback: Locale = LOCALES[0]): Texts {
  const inst = i18next.createInstance();
  void inst.init({
    resources: resources as Resource,
    lng: fallback,
    fallbackLng: fallback,
    supportedLngs: [...LOCALES],
    ns: Object.keys(resources[fallback]),
    defaultNS: 'common',
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  const fixed = Object.fromEntries(LOCALES.map((l) => [l, memoise(inst.getFixedT(l, 'common'))])) as Record<Locale, TFunction>;
  return { t: (lng) => fixed[lng], resources, fallback };
}

const MAX_CACHED = 20_000;

/**
 * i18next resolves a key (namespaces, context, plurals, interpolation) in tens of microseconds; a turn renders
 * a dozen texts. Texts are pure functions of (key, options) once loaded, so they are cached per language.
 */
function memoise(t: TFunction): TFunction {
  const cache = new Map<string, unknown>();
  const memo = ((key: string, opts?: Record<string, unknown>) => {
    const id = opts === undefined ? key : `${key}\u0000${JSON.stringify(opts)}`;
    let v = cache.get(id);
    if (v === undefined) {
      if (cache.size >= MAX_CACHED) cache.clear();
      v = (t as (k: string, o?: unknown) => unknown)(key, opts);
      cache.set(id, v);
    }
    return v;
  }) as TFunction;
  return memo;
}
