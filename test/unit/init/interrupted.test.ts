// `incluster init` interrupted after each of its writes: the repository goes back to exactly how it
// was (files, contents, modes, directories), whichever write the interrupt came after (FR-134).
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WriteJournal } from '../../../src/init/journal.ts';
import { InitInterrupted, scaffold } from '../../../src/init/scaffold.ts';

/** A repository with its own Vitest config, Makefile and .gitignore, so init edits as well as creates. */
async function existingRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-init-interrupted-'));
  await mkdir(join(dir, '.git'));
  await mkdir(join(dir, 'tests'));
  await writeFile(
    join(dir, 'package.json'),
    '{ "name": "@acme/orders", "devDependencies": { "vitest": "^4" } }\n',
  );
  await writeFile(join(dir, 'package-lock.json'), '{ "lockfileVersion": 3 }\n');
  await writeFile(
    join(dir, 'vitest.config.ts'),
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['tests/**/*.test.ts'] } });\n",
  );
  await writeFile(join(dir, 'Makefile'), 'build:\n\techo build\n', { mode: 0o640 });
  await writeFile(join(dir, '.gitignore'), 'dist/\n');
  await writeFile(
    join(dir, 'tests/orders.test.ts'),
    "import { test } from 'vitest';\ntest('x', () => {});\n",
  );
  return dir;
}

/** Every path under `dir` (but .git) with its kind, mode and content. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (path.includes('/.git')) continue;
    const mode = ((await stat(path)).mode & 0o7777).toString(8);
    out[path.slice(dir.length + 1)] = entry.isDirectory()
      ? `dir ${mode}`
      : `${mode} ${await readFile(path, 'utf8')}`;
  }
  return out;
}

/** A journal whose signal is aborted right after its `after`-th write, as a Ctrl-C would come then. */
class InterruptedAfter extends WriteJournal {
  private count = 0;
  private readonly controller: AbortController;
  private readonly after: number;
  constructor(root: string, controller: AbortController, after: number) {
    super(root, controller.signal);
    this.controller = controller;
    this.after = after;
  }
  override async write(path: string, content: string): Promise<void> {
    await super.write(path, content);
    if ((this.count += 1) === this.after) this.controller.abort();
  }
}

describe('incluster init interrupted', { tags: ['001-FR-134'] }, () => {
  test('after any of its writes, puts every file and directory back as it was', async () => {
    const full = await existingRepo();
    const journal = new WriteJournal(full);
    await scaffold(full, { journal });
    const writes = journal.written.length;
    expect(writes, 'init created and edited files').toBeGreaterThan(8);
    for (let after = 1; after <= writes - 1; after += 1) {
      const dir = await existingRepo();
      const before = await tree(dir);
      const controller = new AbortController();
      const error = await scaffold(dir, {
        journal: new InterruptedAfter(dir, controller, after),
        signal: controller.signal,
      }).catch((e: unknown) => e);
      expect(error, `interrupted after write ${after}`).toBeInstanceOf(InitInterrupted);
      expect((error as InitInterrupted).restored).toHaveLength(after);
      expect(await tree(dir), `the tree after an interrupt following write ${after}`).toEqual(before);
    }
  });
});
