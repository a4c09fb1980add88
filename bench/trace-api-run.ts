// The trace's own work without the CLI around it: used by bench/trace-collect.ts to separate the
// cost of collecting and reporting from the cost of starting the whole incluster CLI.
import { configSchema } from '../src/config/schema.ts';
import { traceProject } from '../src/trace/project-trace.ts';

// Cold, like `incluster trace --no-cache`: this measures collection, not the cache.
const { report } = await traceProject({
  root: process.cwd(),
  trace: configSchema.parse({}).trace,
  cache: false,
});
console.log(JSON.stringify({ tests: report.summary.tests, covered: report.summary.covered }));
