// Sums the Vitest JSON results of every stage, and the pytest plugin's JUnit, into the one closing
// line CI reads: `N passed, N failed, N skipped`. Exits 1 when no stage wrote results.
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
// pytest writes JUnit: each <testsuite> carries its counts (errors are failures for this line).
for (const name of readdirSync(dir)
  .filter((n) => /^junit-pytest.*\.xml$/.test(n))
  .sort()) {
  const xml = readFileSync(join(dir, name), 'utf8');
  for (const suite of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const count = (attribute: string) =>
      Number(new RegExp(`\\b${attribute}="(\\d+)"`).exec(suite[1] ?? '')?.[1] ?? 0);
    const bad = count('failures') + count('errors');
    passed += count('tests') - bad - count('skipped');
    failed += bad;
    skipped += count('skipped');
  }
  files += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = files === 0 ? 1 : 0;
