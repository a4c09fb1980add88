// The Makefile targets `init` adds: thin wrappers over the incluster CLI and npm, in one block
// between marker lines so a later `init` finds (and can refresh) exactly what it wrote. Targets the
// user already defines outside the block are theirs: they are left out of the block and reported.

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
export const INCLUSTER_TARGETS: readonly Target[] = [
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
    recipe: [`npx vitest run --exclude 'test/integration/**' --exclude 'test/e2e/**' --passWithNoTests`],
  },
  {
    name: 'test-integration',
    help: 'integration tests inside the cluster (incluster run)',
    recipe: ['npx incluster run -- test/integration'],
  },
  {
    name: 'test-e2e',
    help: 'end-to-end tests inside the cluster (incluster run)',
    recipe: ['npx incluster run -- test/e2e'],
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

/** What `init` does to a Makefile. */
export interface MakefileMerge {
  /** The whole new Makefile text. */
  text: string;
  /** Targets the user defines already; they are not in the block. */
  conflicts: string[];
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

/** The block with the targets in `names`, in the order above. */
export function makefileBlock(names: ReadonlySet<string>): string {
  const chosen = INCLUSTER_TARGETS.filter((t) => names.has(t.name));
  if (chosen.length === 0) return '';
  const lines = [BLOCK_BEGIN, `.PHONY: ${chosen.map((t) => t.name).join(' ')}`, ''];
  for (const target of chosen) {
    const deps = target.deps?.length ? ` ${target.deps.join(' ')}` : '';
    lines.push(`${target.name}:${deps} ## ${target.help}`, ...target.recipe.map((r) => `\t${r}`), '');
  }
  lines[lines.length - 1] = BLOCK_END;
  return `${lines.join('\n')}\n`;
}

/** Merges our block into `existing` (undefined: no Makefile): user targets win and are reported. */
export function mergeMakefile(existing: string | undefined): MakefileMerge {
  const all = new Set(INCLUSTER_TARGETS.map((t) => t.name));
  if (existing === undefined) return { text: makefileBlock(all), conflicts: [] };
  const { outside, before, after } = splitAtBlock(existing);
  const theirs = definedTargets(outside);
  const conflicts = [...all].filter((name) => theirs.has(name));
  const block = makefileBlock(new Set([...all].filter((name) => !theirs.has(name))));
  if (before === undefined) {
    // No block yet: append one after the user's content.
    const text = block
      ? `${existing}${existing.endsWith('\n') || existing === '' ? '' : '\n'}\n${block}`
      : existing;
    return { text, conflicts };
  }
  return { text: `${before}${block}${after ?? ''}`, conflicts };
}

/** The Makefile without our block, and the text around the block when there is one. */
function splitAtBlock(text: string): { outside: string; before?: string; after?: string } {
  const begin = text.indexOf(BLOCK_BEGIN);
  const endMarker = text.indexOf(BLOCK_END, begin);
  if (begin < 0 || endMarker < 0) return { outside: text };
  let end = endMarker + BLOCK_END.length;
  if (text[end] === '\n') end += 1;
  const before = text.slice(0, begin);
  const after = text.slice(end);
  return { outside: before + after, before, after };
}
