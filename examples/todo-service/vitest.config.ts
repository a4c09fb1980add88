// Every requirement ID in specs/ is a Vitest tag, so a mistyped or unknown ID in a test is an error
// (strictTags) instead of a silently untraced test. Inside the cluster, `incluster run` adds the
// JUnit reporter writing to /artifacts (see incluster.config.yaml).
import { globSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const REQUIREMENT = /^\s*-\s+\*\*(\d{3}-FR-\d{3})\*\*\s+(.*)$/;
const tags = globSync('specs/**/spec.md').flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const match = REQUIREMENT.exec(line);
      return match ? [{ name: match[1] ?? '', description: match[2] ?? '' }] : [];
    }),
);

export default defineConfig({
  test: {
    tags,
    strictTags: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The integration tests share one database: files run one after another.
    fileParallelism: false,
  },
});
