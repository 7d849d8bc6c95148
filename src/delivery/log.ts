/**
 * The slice of pino the delivery module uses. Callers pass the app's logger; the module logs document ids,
 * status codes and attempt counts only, never content or pseudonyms.
 */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
