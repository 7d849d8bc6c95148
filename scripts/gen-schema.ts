/** Writes docs/response.schema.json from the zod schema: `npx tsx scripts/gen-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { responseJsonSchema } from '../src/delivery/json-schema.js';

writeFileSync(new URL('../docs/response.schema.json', import.meta.url), responseJsonSchema());
