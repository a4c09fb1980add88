// The Makefile targets `init` adds: thin wrappers over the incluster CLI and npm, in one block
// between marker lines so a later `init` finds (and can refresh) exactly what it wrote. Targets the
// user already defines, in the Makefile or in a file it includes, are theirs: they are left out of
// the block (a rule of ours with the same name would add prerequisites to theirs) and reported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import {
  DEFAULT_DIRS,
  inClusterCommands,
  unitCommands,
  type Runners,
  type TestDirs,
} from './test-commands.ts';

/** The first and last lines of the block init owns. */
export const BLOCK_BEGIN =
  '# >>> incluster targets (written by `incluster init`; edits here may be replaced) >>>';
export const BLOCK_END = '# <<< incluster targets <<<';

interface Target {
  name: string;
  help: string;
  deps?: string[];
  recipe: string[];
}

/** The seed's targets plus lint, typecheck and traceability; `make help` lists them. */
export function inclusterTargets(
  dirs: TestDirs = DEFAULT_DIRS,
  runners: Runners = { vitest: true },
): Target[] {
  return [
    {
      name: 'help',
      help: 'list the targets',
      recipe: [
        `@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\\n", $$1, $$2}'`,
      ],
    },
    {
      name: 'kind-up',
      help: 'create the kind cluster and deploy the services',
      recipe: ['npx incluster up --provider kind'],
    },
    { name: 'kind-down', help: 'delete the kind cluster', recipe: ['npx incluster down --provider kind'] },
    {
      name: 'test',
      help: 'unit tests, then integration tests in the cluster',
      deps: ['test-unit', 'test-integration'],
      recipe: [],
    },
    {
      name: 'test-unit',
      help: 'unit tests (no cluster)',
      recipe: unitCommands(dirs, runners),
    },
    {
      name: 'test-integration',
      help: 'integration tests inside the cluster (incluster run)',
      recipe: inClusterCommands(dirs, runners, 'integration'),
    },
    {
      name: 'test-e2e',
      help: 'end-to-end tests inside the cluster (incluster run)',
      recipe: inClusterCommands(dirs, runners, 'e2e'),
    },
    { name: 'check', help: 'lint, typecheck and test', deps: ['lint', 'typecheck', 'test'], recipe: [] },
    { name: 'lint', help: 'the project lint (npm run lint)', recipe: ['npm run lint --if-present'] },
    {
      name: 'typecheck',
      help: 'the project typecheck (npm run typecheck)',
      recipe: ['npm run typecheck --if-present'],
    },
    { name: 'traceability', help: 'requirement coverage gate', recipe: ['npx incluster trace'] },
  ];
}

/** The targets for the default layout (test/integration, test/e2e). */
export const INCLUSTER_TARGETS: readonly Target[] = inclusterTargets();

/** What `init` does to a Makefile. */
export interface MakefileMerge {
  /** The whole new Makefile text. */
  text: string;
  /** Targets the user defines already (here or in an included file); they are not in the block. */
  theirs: string[];
  /** Whether the Makefile has our block, and it differs from the one we would write now. */
  blockDiffers: boolean;
}

/** Targets a Makefile defines (`name:` at the start of a line, not `:=` assignments). */
export function definedTargets(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9_.%/-]+(?:\s+[A-Za-z0-9_.%/-]+)*)\s*::?(?!=)/.exec(line);
    if (!match || line.startsWith('\t')) continue;
    for (const name of match[1]!.split(/\s+/)) if (name !== '.PHONY') names.add(name);
  }
  return names;
}

/**
 * The files a Makefile includes (`include`, `-include`, `sinclude`), recursively, relative to
 * `root` (where make runs). Names built from variables cannot be followed and are skipped.
 */
export function includedFiles(text: string, root: string, seen = new Set<string>()): string[] {
  const files: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*-?(?:include|sinclude)\s+(.+?)\s*(?:#.*)?$/.exec(line);
    if (!match) continue;
    for (const word of match[1]!.split(/\s+/)) {
      if (word.includes('$')) continue;
      const names = /[*?[]/.test(word) ? globSync(word, { cwd: root }) : [word];
      for (const name of names) {
        if (seen.has(name) || !existsSync(join(root, name))) continue;
        seen.add(name);
        files.push(name);
        files.push(...includedFiles(readFileSync(join(root, name), 'utf8'), root, seen));
      }
    }
  }
  return files;
}

/**
 * The block with the targets in `names`, in the order of `targets`. `theirs` (the user's targets of
 * the same names) are declared phony too: init creates a test/ directory, and a `test:` rule that
 * is not phony would then be "up to date" and never run. Nothing else of theirs changes.
 */
export function makefileBlock(
  names: ReadonlySet<string>,
  targets: readonly Target[] = INCLUSTER_TARGETS,
  theirs: readonly string[] = [],
): string {
  const chosen = targets.filter((t) => names.has(t.name));
  if (chosen.length === 0) return '';
  const phony = [...chosen.map((t) => t.name), ...theirs];
  const lines = [BLOCK_BEGIN, `.PHONY: ${phony.join(' ')}`, ''];
  for (const target of chosen) {
    const deps = target.deps?.length ? ` ${target.deps.join(' ')}` : '';
    lines.push(`${target.name}:${deps} ## ${target.help}`, ...target.recipe.map((r) => `\t${r}`), '');
  }
  lines[lines.length - 1] = BLOCK_END;
  return `${lines.join('\n')}\n`;
}

/**
 * Merges our block into `existing` (undefined: no Makefile). Targets defined outside the block, in
 * the Makefile or in `included` (the texts of the files it includes), win and are reported.
 */
export function mergeMakefile(
  existing: string | undefined,
  options: { included?: readonly string[]; targets?: readonly Target[] } = {},
): MakefileMerge {
  const targets = options.targets ?? INCLUSTER_TARGETS;
  const all = targets.map((t) => t.name);
  if (existing === undefined)
    return { text: makefileBlock(new Set(all), targets), theirs: [], blockDiffers: false };
  const { outside, before, after, block: current } = splitAtBlock(existing);
  const defined = new Set(
    [outside, ...(options.included ?? [])].flatMap((text) => [...definedTargets(text)]),
  );
  const theirs = all.filter((name) => defined.has(name));
  const block = makefileBlock(new Set(all.filter((name) => !defined.has(name))), targets, theirs);
  if (before === undefined) {
    // No block yet: append one after the user's content.
    const text = block
      ? `${existing}${existing.endsWith('\n') || existing === '' ? '' : '\n'}\n${block}`
      : existing;
    return { text, theirs, blockDiffers: false };
  }
  return { text: `${before}${block}${after ?? ''}`, theirs, blockDiffers: current !== block };
}

/** The Makefile without our block, and the text around (and of) the block when there is one. */
function splitAtBlock(text: string): { outside: string; before?: string; after?: string; block?: string } {
  const begin = text.indexOf(BLOCK_BEGIN);
  const endMarker = text.indexOf(BLOCK_END, begin);
  if (begin < 0 || endMarker < 0) return { outside: text };
  let end = endMarker + BLOCK_END.length;
  if (text[end] === '\n') end += 1;
  const before = text.slice(0, begin);
  const after = text.slice(end);
  return { outside: before + after, before, after, block: text.slice(begin, end) };
}
