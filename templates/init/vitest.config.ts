// withRequirements declares every requirement ID in specs/ as a Vitest tag (strictTags: a mistyped or
// unknown ID in a test is an error instead of a silently untraced test) and adds incluster's
// RequirementsReporter: each run writes traceability.json (which requirement each test verified, and
// how it ended) and traceability.junit.xml (JUnit with the IDs). Inside the cluster `incluster run`
// sets INCLUSTER_ARTIFACTS_DIR, so both land where it copies results out; locally, in test-results/.
import { withRequirements } from 'incluster/trace';
import { defineConfig } from 'vitest/config';

export default withRequirements(defineConfig({ test: { include: ['test/**/*.test.ts'] } }), {
  reporter: { outputDir: process.env.INCLUSTER_ARTIFACTS_DIR ?? 'test-results' },
});
