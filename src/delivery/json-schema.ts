import { z } from 'zod';
import { ResponseDocument } from '../survey/payload.js';

/** `docs/response.schema.json`, rendered from the zod schema so the published contract cannot drift from the code. */
export function responseJsonSchema(): string {
  const schema = z.toJSONSchema(ResponseDocument);
  const { $schema, ...rest } = schema;
  const published = {
    $schema,
    title: 'feedbackbot response document',
    description:
      'Body of a response.completed / response.partial webhook (Standard Webhooks signed). Generated from src/survey/payload.ts by scripts/gen-schema.ts; do not edit.',
    ...rest,
  };
  return `${JSON.stringify(published, null, 2)}\n`;
}
