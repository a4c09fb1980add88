// Vitest global setup: every temporary file and directory a test run makes (mkdtemp(tmpdir()), in
// the test workers and in every process they start) goes under one directory of its own, removed
// when the run ends. Tests then need no cleanup code of their own for scratch space, and a run
// leaves nothing in /tmp. The workers inherit TMPDIR because this runs before they start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'incluster-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
