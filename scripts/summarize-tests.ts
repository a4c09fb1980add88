// Sums the Vitest JSON results of every stage into the one closing line CI reads:
// `N passed, N failed, N skipped`. Exits 1 when a stage's file is missing or unreadable.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const dir = process.argv[2] ?? 'test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
for (const name of readdirSync(dir)
  .filter((n) => /^vitest-.*\.json$/.test(n))
  .sort()) {
  const result = JSON.parse(readFileSync(join(dir, name), 'utf8')) as VitestJson;
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  files += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = files === 0 ? 1 : 0;
