// Builds throwaway projects (spec, tests, config) in a temp directory, and runs the CLI in-process
// against them, so each test states exactly the inputs it judges.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCliCaptured, type CliResult } from '../../support/cli.ts';

/** Writes `files` (path → content) under a new temp directory and returns its path. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'incluster-trace-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** A spec file with the given requirements (`id` → text). */
export function spec(requirements: Record<string, string>): string {
  const lines = Object.entries(requirements).map(([id, text]) => `- **${id}** ${text}`);
  return `# Spec\n\nIntro text, **bold** words and a list:\n\n- not a requirement\n\n## Group\n\n${lines.join('\n')}\n`;
}

/** Runs `incluster …` in-process in `cwd`; returns the status and what it printed. */
export async function cli(args: string[], cwd: string): Promise<CliResult> {
  return runCliCaptured(args, { cwd });
}
