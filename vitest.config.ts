// Test projects: `unit` (no cluster), `integration` (the real local cluster), `faults` (fault
// injection on the real cluster). Every requirement ID in specs/ is a declared tag, and strictTags
// makes an unknown ID an error, so every test names real requirements.
import { defineConfig } from 'vitest/config';
import { withRequirements } from './src/trace/vitest-config.ts';

// Scratch space of a run under one directory, removed at its end. Not for the lifecycle project:
// the cluster it brings up again outlives the run, and its processes inherit TMPDIR.
const TEMP_ROOT = 'test/support/temp-root.ts';

const config = defineConfig({
  test: {
    reporters: ['default'],
    // A worker's cluster fixtures wait, watched, up to fixtures.deleteTimeout (60 s) for the namespaces
    // they deleted before reporting stuck ones; give worker shutdown longer than that.
    teardownTimeout: 90_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
          globalSetup: [TEMP_ROOT],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          globalSetup: [TEMP_ROOT, 'test/integration/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          globalSetup: [TEMP_ROOT, 'test/integration/global-setup.ts'],
        },
      },
      {
        // Takes the shared local cluster down and up again: runs alone, after everything else.
        extends: true,
        test: {
          name: 'lifecycle',
          include: ['test/lifecycle/**/*.test.ts'],
          testTimeout: 600_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});

// Declares the spec's IDs as tags (strictTags) and adds the RequirementsReporter, which writes
// test-results/traceability.json and test-results/traceability.junit.xml.
export default withRequirements(config, { root: import.meta.dirname });
