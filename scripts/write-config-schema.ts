// Regenerates schema/incluster.config.schema.json from the zod schema (`npm run schema`).
// A unit test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/json-schema.ts';

const target = new URL('../schema/incluster.config.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
