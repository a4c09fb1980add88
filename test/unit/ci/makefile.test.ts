// The repository's own Makefile: the seed's targets plus lint, typecheck and traceability, as thin
// wrappers over the CLI and npm scripts, and `make help` lists them.
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCommand } from '../../../src/process/exec.ts';

const root = resolve(import.meta.dirname, '../../..');
const TARGETS = [
  'kind-up',
  'kind-down',
  'test',
  'test-unit',
  'test-integration',
  'test-e2e',
  'check',
  'lint',
  'typecheck',
  'traceability',
];

describe('Makefile', { tags: ['001-FR-040'] }, () => {
  test('`make help` lists every target with a description', async () => {
    const { stdout } = await runCommand('make', ['--no-print-directory', 'help'], { cwd: root });
    for (const target of TARGETS) expect(stdout).toMatch(new RegExp(`^  ${target} +\\S`, 'm'));
  });

  test('kind-up and kind-down wrap the CLI with the kind provider; check runs lint, typecheck and test', async () => {
    const run = async (...targets: string[]) =>
      (await runCommand('make', ['--no-print-directory', '-n', ...targets], { cwd: root })).stdout;
    expect(await run('kind-up')).toMatch(/node \S*src\/cli\/main\.ts up --provider kind/);
    expect(await run('kind-down')).toMatch(/node \S*src\/cli\/main\.ts down --provider kind/);
    const check = await run('check');
    expect(check).toMatch(/npm run --silent lint/);
    expect(check).toMatch(/npm run --silent typecheck/);
    expect(check).toMatch(/scripts\/test-all\.sh/);
  });
});
