// Vitest's `--reporter=<path>` loads a module and instantiates its default export, so this file
// exists only to give the RequirementsReporter that shape: `vitest run --reporter=default
// --reporter=./src/trace/reporter-module.ts` adds the evidence files to a run whose reporters are
// chosen on the command line (which replaces the ones in vitest.config.ts).
export { RequirementsReporter as default } from './reporter.ts';
