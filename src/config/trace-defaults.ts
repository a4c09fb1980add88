// The defaults of the config's `trace` section, apart from the schema so that `incluster trace`
// without a config file reads them without loading zod. The schema takes its defaults from here:
// one source for both.

/** `trace` when the config does not set it (pytest unset: found from the root's pytest config). */
export function traceDefaults() {
  return {
    specs: ['specs/**/spec.md'],
    idPattern: '^\\d{3}-FR-\\d{3}$',
    threshold: 100,
    allowUntagged: false,
    allowUnverified: false,
    tests: ['test/**/*.test.ts'],
    pytest: undefined as string[] | undefined,
    lockFile: 'specs/traceability.lock',
  };
}
