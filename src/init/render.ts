// The templates, made the project's own: named after it, with its package manager's commands and
// its test locations. Each change replaces text the template is known to contain and fails loudly
// when the template no longer does, so a template edit cannot silently disable a substitution.
import { parseDocument } from 'yaml';
import {
  auditCommand,
  frozenInstallCommand,
  provisionCommand,
  runnerDockerfile,
  type PackageManager,
} from './package-manager.ts';
import type { ProjectLayout } from './project.ts';

/** The seed's name in the templates: incluster's own example project, replaced by the project's. */
export const EXAMPLE_NAME = 'floe-test';

/** Replaces `from` (which must occur) by `to`, every occurrence. */
function swap(text: string, from: string | RegExp, to: string, file: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`templates: ${file} no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/** incluster.config.yaml: names, and untagged tests allowed while there are any. */
export function renderConfig(template: string, layout: ProjectLayout): string {
  const file = 'incluster.config.yaml';
  let text = swap(template, `  name: ${EXAMPLE_NAME}\n`, `  name: ${layout.name}\n`, file);
  text = swap(text, `\nnamespace: ${EXAMPLE_NAME}\n`, `\nnamespace: ${layout.name}\n`, file);
  text = swap(
    text,
    '(make test-integration passes\n  # test/integration, make test-e2e passes test/e2e)',
    `(make test-integration passes\n  # ${layout.integrationDir}, make test-e2e passes ${layout.e2eDir})`,
    file,
  );
  const untagged = layout.existingTests.length > 0;
  text = swap(
    text,
    / {2}allowUntagged: false\n/,
    untagged
      ? '  # Tests written before incluster name no requirement yet: until each does, `incluster trace`\n  # lists them without failing. Set this to false to make an untagged test fail the gate.\n  allowUntagged: true\n'
      : '  allowUntagged: false\n',
    file,
  );
  // What was written must be what incluster reads.
  const doc = parseDocument(text);
  if (doc.errors.length)
    throw new Error(`templates: ${file} renders to invalid YAML: ${doc.errors[0]!.message}`);
  return text;
}

/** The workflow: the project's cluster name, package manager and integration test directory. */
export function renderWorkflow(template: string, layout: ProjectLayout): string {
  const file = '.github/workflows/ci.yml';
  const pm = layout.packageManager;
  let text = swap(template, `  CLUSTER_NAME: ${EXAMPLE_NAME}\n`, `  CLUSTER_NAME: ${layout.name}\n`, file);
  text = swap(
    text,
    '  push:\n    branches: [main]\n',
    `  push:\n    branches: [${layout.defaultBranch}]\n`,
    file,
  );
  text = swap(text, "--exclude 'test/integration/**'", `--exclude '${layout.integrationDir}/**'`, file);
  text = swap(text, '      - run: npm ci\n', `      - run: ${installStep(pm)}\n`, file);
  text = swap(text, 'run: npm audit --audit-level=high\n', `run: ${auditCommand(pm)}\n`, file);
  if (layout.python) text = withPytestSteps(text, layout, file);
  // setup-node's cache needs the package manager on PATH before it runs: pnpm is not there yet.
  if (pm.name !== 'npm')
    text = swap(text, '          cache: npm\n', pm.name === 'yarn' ? '          cache: yarn\n' : '', file);
  return text;
}

/** The uv release the workflow installs: the one the runner image copies from uv's image (a test keeps them equal). */
export const WORKFLOW_UV_VERSION = '0.13.9';

/**
 * The pytest suite's steps: its unit tests beside (or, without Vitest tests, instead of) Vitest's,
 * and its in-cluster run beside Vitest's in a repository with both.
 */
function withPytestSteps(text: string, layout: ProjectLayout, file: string): string {
  const python = layout.python!;
  const unitOnly = `${python.testRoot} --ignore=${python.integrationDir} --ignore=${python.e2eDir} --junitxml=test-results/unit/junit-pytest.xml`;
  const install =
    python.installer === 'uv'
      ? []
      : [
          '          uv venv',
          `          uv pip install ${python.installer === 'requirements' ? python.requirements.map((r) => `-r ${r}`).join(' ') : '-r pyproject.toml --all-extras'} pytest`,
        ];
  const pytestStep = [
    '      - name: Unit tests (pytest)',
    '        run: |',
    `          pipx install uv==${WORKFLOW_UV_VERSION}`,
    ...install,
    `          uv run ${python.installer === 'uv' ? '--frozen' : '--no-sync'} pytest ${unitOnly}`,
    '',
  ].join('\n');
  const vitestStep = / {6}- name: Unit tests\n {8}run: npx vitest run [^\n]*\n/.exec(text)?.[0];
  if (!vitestStep) throw new Error(`templates: ${file} no longer has its Vitest unit test step`);
  text = text.replace(vitestStep, layout.vitest ? `${vitestStep}${pytestStep}` : pytestStep);
  if (layout.vitest)
    text = swap(
      text,
      '        run: npx incluster run\n',
      `        run: npx incluster run\n      - name: incluster run (the pytest integration tests inside the cluster)\n        run: npx incluster run --config incluster.pytest.config.yaml\n`,
      file,
    );
  return text;
}

function installStep(pm: PackageManager): string {
  const provision = provisionCommand(pm);
  return `${provision ? `${provision} && ` : ''}${frozenInstallCommand(pm)}`;
}

/** A generated vitest.config.ts (the project has none): its include is where the tests are. */
export function renderVitestConfig(template: string, layout: ProjectLayout): string {
  const include = layout.testGlobs.map((glob) => `'${glob.replaceAll("'", "\\'")}'`).join(', ');
  return swap(template, "include: ['test/**/*.test.ts']", `include: [${include}]`, 'vitest.config.ts');
}

/** The example test: the fallback namespace is the project's. */
export function renderExampleTest(template: string, layout: ProjectLayout): string {
  return swap(template, `?? '${EXAMPLE_NAME}'`, `?? '${layout.name}'`, 'test/integration/example.test.ts');
}

/** The runner Dockerfile for the project's package manager, from incluster's own. */
export function renderDockerfile(npmDockerfile: string, layout: ProjectLayout): string {
  return runnerDockerfile(npmDockerfile, layout.packageManager);
}

/**
 * The kind config: incluster's own, named after the project, with a header for its users in place
 * of the notes for incluster's developers (which name files and tests the project does not have).
 */
export function renderKindConfig(ours: string, layout: ProjectLayout): string {
  const lines = ours.split('\n');
  const firstSetting = lines.findIndex((line) => line !== '' && !line.startsWith('#'));
  const body = swap(
    lines.slice(firstSetting).join('\n'),
    `\nname: ${EXAMPLE_NAME}\n`,
    `\nname: ${layout.name}\n`,
    'kind-config.yaml',
  );
  return [
    '# kind cluster for the integration tests: `incluster up --provider kind` and helm/kind-action in the',
    '# workflow both read it. The node image is pinned by tag and digest, the one incluster is tested with',
    '# (`incluster up` passes cluster.kind.nodeImage from incluster.config.yaml, which wins over it).',
    body,
  ].join('\n');
}
