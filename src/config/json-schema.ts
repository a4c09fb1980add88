// The config schema as JSON Schema, for editors (yaml-language-server) to complete and check
// incluster.config.yaml. Generated from the zod schema so the two never disagree.
import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The JSON Schema of incluster.config.yaml (what a user may write: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://incluster.dev/schema/incluster.config.schema.json',
    title: 'incluster configuration',
  };
}
