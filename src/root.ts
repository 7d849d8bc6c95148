import { fileURLToPath } from 'node:url';

/** The installation's root (where flows/ and locales/ are), from src/ under tsx and from dist/ when built. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
