// The GitHub Actions workflow `init` writes, made the project's own: its cluster name and default
// branch, its package manager's install and audit, the test commands its Makefile runs (one source,
// src/init/test-commands.ts), and for a Python project the pytest steps, pip-audit and Bandit, and
// its own ruff and mypy. Like render.ts, each change replaces text the template is known to contain
// and fails loudly when the template no longer does.
import { auditCommand, installCommand, provisionCommand, type PackageManager } from './package-manager.ts';
import type { ProjectLayout } from './project.ts';
import type { PythonLayout } from './python-project.ts';
import { EXAMPLE_NAME } from './render.ts';
import {
  inClusterCommands,
  pytestUnitArguments,
  runnersOf,
  vitestUnitCommand,
  type Runners,
} from './test-commands.ts';

/** The uv release the workflow installs: the one the runner image copies from uv's image (a test keeps them equal). */
export const WORKFLOW_UV_VERSION = '0.13.9';
/** The Python security tools CI installs with uv, pinned. */
export const PIP_AUDIT_VERSION = '2.10.1';
export const BANDIT_VERSION = '1.9.4';
/** What CI installs for a project that configures ruff or mypy without depending on it. */
export const RUFF_VERSION = '0.17.6';
export const MYPY_VERSION = '2.4.1';

/** Where the pytest plugin is once `npm ci` installed incluster: CI's unit tests load it from there. */
const PLUGIN_PATH = './node_modules/incluster/python/pytest-incluster';

const FILE = '.github/workflows/ci.yml';

/** Replaces `from` (which must occur) by `to`, every occurrence. */
function swap(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`templates: ${FILE} no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/** The workflow for `layout`, from the template. */
export function renderWorkflow(template: string, layout: ProjectLayout): string {
  const pm = layout.packageManager;
  const { dirs, runners } = runnersOf(layout);
  let text = swap(template, `  CLUSTER_NAME: ${EXAMPLE_NAME}\n`, `  CLUSTER_NAME: ${layout.name}\n`);
  text = swap(
    text,
    '  push:\n    branches: [main]\n',
    `  push:\n    branches: [${layout.defaultBranch.name}]\n`,
  );
  text = swap(
    text,
    "        run: npx vitest run --exclude 'test/integration/**' --exclude 'test/e2e/**' --passWithNoTests\n",
    `        run: ${vitestUnitCommand(dirs)}\n`,
  );
  text = swap(text, '      - run: npm ci\n', `      - run: ${nodeInstall(pm)}\n`);
  text = swap(text, 'run: npm audit --audit-level=high\n', `run: ${auditCommand(pm)}\n`);
  text = swap(
    text,
    /( {6}- name: incluster run \(the integration tests inside the cluster\)\n) {8}run: npx incluster run --provider kind -- test\/integration\n/,
    inClusterSteps(runners, dirs),
  );
  if (layout.python) text = withPython(text, layout, runners);
  return swap(text, '          cache: npm\n', setupNodeCache(pm));
}

/** setup-node's cache: it hashes the lockfile for its key (pnpm is not on PATH yet when it runs). */
function setupNodeCache(pm: PackageManager): string {
  if (pm.name === 'pnpm') return '';
  if (pm.name === 'yarn') return pm.locked ? '          cache: yarn\n' : '';
  // Without a lockfile, package.json is hashed (and the lockfile too, once it is committed).
  return pm.locked
    ? '          cache: npm\n'
    : '          cache: npm\n          cache-dependency-path: package*.json\n';
}

function nodeInstall(pm: PackageManager): string {
  const provision = provisionCommand(pm);
  return `${provision ? `${provision} && ` : ''}${installCommand(pm)}`;
}

/** One step per suite's `incluster run`, on the kind cluster of the job. */
function inClusterSteps(runners: Runners, dirs: ReturnType<typeof runnersOf>['dirs']): string {
  const [vitest, pytest] = [
    runners.vitest ? inClusterCommands(dirs, { vitest: true }, 'integration')[0] : undefined,
    runners.pytest
      ? inClusterCommands(dirs, { vitest: false, pytest: runners.pytest }, 'integration')[0]
      : undefined,
  ];
  const onKind = (command: string) =>
    command.replace('npx incluster run', 'npx incluster run --provider kind');
  return [
    ...(vitest
      ? [
          '      - name: incluster run (the integration tests inside the cluster)',
          `        run: ${onKind(vitest)}`,
        ]
      : []),
    ...(pytest
      ? [
          `      - name: incluster run (the ${vitest ? 'pytest ' : ''}integration tests inside the cluster)`,
          `        run: ${onKind(pytest)}`,
        ]
      : []),
    '',
  ].join('\n');
}

/** The steps that put the pinned uv on PATH (pipx comes with GitHub's runners). */
function uvStep(): string[] {
  return ['      - name: Install uv', `        run: pipx install uv==${WORKFLOW_UV_VERSION}`];
}

/**
 * A Python project's steps: pytest's unit tests beside (or, without Vitest tests, instead of)
 * Vitest's; its own ruff and mypy; pip-audit on the locked dependencies and Bandit on the sources.
 */
function withPython(text: string, layout: ProjectLayout, runners: Runners): string {
  const python = layout.python!;
  const vitestStep = / {6}- name: Unit tests\n {8}run: npx vitest run [^\n]*\n/.exec(text)?.[0];
  if (!vitestStep) throw new Error(`templates: ${FILE} no longer has its Vitest unit test step`);
  const pytestStep = [...uvStep(), ...pytestUnitStep(python, runners.pytest!), ''].join('\n');
  text = text.replace(vitestStep, layout.vitest ? `${vitestStep}${pytestStep}` : pytestStep);
  const lint = lintSteps(python);
  if (lint.length)
    text = swap(
      text,
      '      - name: Typecheck\n        run: npm run typecheck --if-present\n',
      `      - name: Typecheck\n        run: npm run typecheck --if-present\n${[...uvStep(), ...lint, ''].join('\n')}`,
    );
  return swap(
    text,
    '      # The gitleaks CLI (MIT)',
    `${[...uvStep(), ...securitySteps(python), ''].join('\n')}      # The gitleaks CLI (MIT)`,
  );
}

/**
 * pytest over the same paths as `make test-unit`, with incluster's plugin (from the npm package)
 * loaded: it annotates failed tests and writes the requirement evidence the traceability job reads.
 */
function pytestUnitStep(python: PythonLayout, pytest: NonNullable<Runners['pytest']>): string[] {
  const results =
    '--junitxml=test-results/junit-pytest.xml --incluster-evidence=test-results/traceability-pytest.json';
  const args = `${pytestUnitArguments(pytest)} ${results}`;
  const header = ['      - name: Unit tests (pytest)', '        run: |'];
  if (python.installer === 'uv')
    return [...header, `          uv run --frozen --with ${PLUGIN_PATH} pytest ${args}`];
  return [
    ...header,
    '          uv venv',
    `          uv pip install ${pythonDependencies(python)} pytest ${PLUGIN_PATH}`,
    `          uv run --no-sync pytest ${args}`,
  ];
}

/** What `uv pip install` installs a project without uv.lock from: its requirements files, else pyproject.toml. */
function pythonDependencies(python: PythonLayout): string {
  return python.installer === 'requirements'
    ? python.requirements.map((file) => `-r ${file}`).join(' ')
    : '-r pyproject.toml --all-extras';
}

/** The project's own ruff and mypy: its pinned version when it depends on them, else a pinned one. */
function lintSteps(python: PythonLayout): string[] {
  const steps: string[] = [];
  const inProject = (tool: string) =>
    python.installer === 'uv' ? `uv run --frozen ${tool}` : `uv run --no-sync ${tool}`;
  const needsEnv = python.installer !== 'uv' && (python.ruff?.from === 'dependency' || python.mypy);
  if (needsEnv)
    steps.push(
      '      - name: Python environment',
      `        run: uv venv && uv pip install ${pythonDependencies(python)}`,
    );
  if (python.ruff) {
    const ruff = python.ruff.from === 'dependency' ? inProject('ruff') : `uvx ruff@${RUFF_VERSION}`;
    steps.push('      - name: Lint (ruff)', `        run: ${ruff} check --output-format=github .`);
  }
  if (python.mypy) {
    const mypy =
      python.mypy.from === 'dependency'
        ? inProject('mypy')
        : python.installer === 'uv'
          ? `uv run --frozen --with mypy==${MYPY_VERSION} mypy`
          : `uv run --no-sync --with mypy==${MYPY_VERSION} mypy`;
    // With `files` in its config mypy knows what to check; otherwise the sources are named.
    steps.push(
      '      - name: Typecheck (mypy)',
      `        run: ${mypy}${python.mypy.files ? '' : ` ${python.sources.join(' ')}`}`,
    );
  }
  return steps;
}

/**
 * pip-audit over the exact dependency set (uv.lock exported, or the requirements resolved and
 * hashed by uv, so pip-audit needs no pip resolution of its own) and Bandit at medium severity and
 * above over the sources; both pinned, run by uv.
 */
function securitySteps(python: PythonLayout): string[] {
  const list = '"$RUNNER_TEMP/audited-requirements.txt"';
  const lock =
    python.installer === 'uv'
      ? `uv export --frozen --all-groups --all-extras --no-emit-project --quiet --output-file ${list}`
      : `uv pip compile ${pythonDependencies(python)} --generate-hashes --quiet --output-file ${list}`;
  const exclude = python.sources.includes('.')
    ? ` --exclude ./${python.testRoot},./.venv,./node_modules,./.git`
    : '';
  return [
    '      - name: Python dependency audit (pip-audit on the locked dependencies)',
    '        run: |',
    `          ${lock}`,
    `          uvx pip-audit@${PIP_AUDIT_VERSION} --disable-pip --requirement ${list}`,
    '      - name: Python static security analysis (Bandit, medium severity and above)',
    `        run: uvx bandit@${BANDIT_VERSION} --recursive ${python.sources.join(' ')}${exclude} --severity-level medium`,
  ];
}
