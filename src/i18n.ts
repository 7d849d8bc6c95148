import i18next, { type TFunction } from 'i18next';
import { NAMESPACES, type Resources } from './survey/load.js';
import { LOCALES, type Locale } from './survey/schema.js';

/**
 * One i18next instance for the process, initialised synchronously from the loaded resources, with one
 * fixed `t` per language made once: a turn never creates an i18n instance or re-reads a file.
 */
export interface Texts {
  t(lng: Locale): TFunction;
  resources: Resources;
}

export function createTexts(resources: Resources): Texts {
  const inst = i18next.createInstance();
  void inst.init({
    resources,
    lng: 'nl',
    fallbackLng: 'nl',
    supportedLngs: [...LOCALES],
    ns: [...NAMESPACES],
    defaultNS: 'common',
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  const fixed = Object.fromEntries(LOCALES.map((l) => [l, inst.getFixedT(l, 'common')])) as Record<Locale, TFunction>;
  return { t: (lng) => fixed[lng], resources };
}
