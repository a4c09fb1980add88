// The Python side of what `init` writes: the pytest runner Dockerfile for the project's installer,
// incluster's config with pytest as the runner, and the `requirement` marker registered in pytest's
// own configuration. Like render.ts, each substitution fails loudly when the template lost its text.
import type { PythonLayout, PytestConfigFile } from './python-project.ts';
import { PYTEST_SECTION_HEADERS, pytestSection } from './python-project.ts';

/** What the marker is registered as; the plugin registers the same line when it is installed. */
export const REQUIREMENT_MARKER =
  'requirement(*ids): the requirement IDs (e.g. 001-FR-001) this test verifies; stack it for several';

/** Where a repository with Vitest tests too keeps the pytest runner (the Vitest one keeps the defaults). */
export const MIXED_PYTEST_DOCKERFILE = 'testing/Dockerfile.pytest';
export const MIXED_PYTEST_CONFIG = 'incluster.pytest.config.yaml';

const DEPENDENCIES = /# incluster:dependencies\n[\s\S]*?# incluster:end\n/;

/** The pytest runner Dockerfile, its dependency layer made for the project's installer. */
export function renderPytestDockerfile(template: string, python: PythonLayout): string {
  if (!DEPENDENCIES.test(template))
    throw new Error('templates: testing/Dockerfile.pytest no longer marks its dependency layer');
  return template.replace(DEPENDENCIES, dependencyLayer(python));
}

function dependencyLayer(python: PythonLayout): string {
  if (python.installer === 'uv')
    return [
      '# Exactly what uv.lock pins (--frozen: a lock out of date with pyproject.toml fails the build),',
      '# every dependency group included; rebuilt only when pyproject.toml or uv.lock change.',
      'COPY pyproject.toml uv.lock ./',
      'RUN uv sync --frozen --no-install-project --all-groups',
      '',
    ].join('\n');
  if (python.installer === 'requirements') {
    const files = python.requirements;
    return [
      `# What ${files.join(' and ')} pin${files.length === 1 ? 's' : ''}; rebuilt only when ${files.length === 1 ? 'it changes' : 'they change'}.`,
      `COPY ${files.join(' ')} ./`,
      `RUN uv venv /app/.venv && uv pip install --python /app/.venv/bin/python ${files.map((f) => `-r ${f}`).join(' ')}`,
      '',
    ].join('\n');
  }
  const why = python.poetryLock
    ? [
        '# poetry.lock is Poetry’s own format, which uv does not read: the dependencies resolve from',
        '# pyproject.toml’s [project] table when the image is built. Pin them (uv lock, or poetry export',
        '# to requirements.txt) and run `incluster init --force` for an exact, cached install.',
      ]
    : [
        '# No lockfile: the dependencies resolve from pyproject.toml’s [project] table when the image is',
        '# built. Pin them (uv lock) and run `incluster init --force` for an exact, cached install.',
      ];
  return [
    ...why,
    'COPY pyproject.toml ./',
    'RUN uv venv /app/.venv && uv pip install --python /app/.venv/bin/python -r pyproject.toml --all-extras',
    '',
  ].join('\n');
}

function swap(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`templates: ${file} no longer contains ${from}`);
  return text.replaceAll(from, to);
}

/**
 * incluster.config.yaml (already named for the project) with pytest as the runner. `mixed`: the
 * config of the second runner, in a repository whose incluster.config.yaml runs Vitest.
 */
export function renderPytestConfig(config: string, python: PythonLayout, mixed: boolean): string {
  const file = 'incluster.config.yaml';
  let text = swap(
    config,
    '  dockerfile: testing/Dockerfile\n',
    `  dockerfile: ${mixed ? MIXED_PYTEST_DOCKERFILE : 'testing/Dockerfile'}\n`,
    file,
  );
  text = text.replace(
    / {2}# The whole suite; arguments after `incluster run --` are appended \(make test-integration passes\n {2}# [^\n]*\n {2}command: \[npx, vitest, run\]\n/,
    [
      '  # pytest writes its JUnit where incluster copies results from; the plugin (installed by the',
      '  # Dockerfile) writes the requirement evidence there. Arguments after `incluster run --` are',
      `  # appended (make test-integration passes ${python.integrationDir}, make test-e2e passes ${python.e2eDir}).`,
      '  command: [pytest, --junitxml=/artifacts/junit-pytest.xml]',
      '',
    ].join('\n'),
  );
  if (!text.includes('command: [pytest,'))
    throw new Error(`templates: ${file} no longer holds the Vitest command`);
  text = text.replace(
    / {2}# The tests are those Vitest's config selects[^\n]*\n {2}# [^\n]*\n/,
    mixed
      ? '  # `incluster trace` (with incluster.config.yaml) reads the Vitest and the pytest suites both.\n'
      : '  # The tests are those pytest collects, by its own rules (testpaths, python_files, …): `incluster\n  # trace` reads them statically, markers included.\n',
  );
  if (mixed)
    text = [
      '# The pytest runner of this repository: `incluster run --config incluster.pytest.config.yaml`',
      '# (make test-integration runs it after the Vitest one). Keep its cluster settings equal to',
      "# incluster.config.yaml's: both runners use one cluster.",
      text,
    ].join('\n');
  return text;
}

/** What registering the marker does to a pytest config file. */
export type MarkerEdit =
  { kind: 'unchanged' } | { kind: 'edited'; text: string } | { kind: 'manual'; reason: string };

/**
 * Registers the `requirement` marker in pytest's configuration (so `--strict-markers` accepts it
 * where the plugin is not installed, as in a plain `pytest` on a laptop). `file` is where pytest's
 * configuration is; undefined: pyproject.toml, which receives a [tool.pytest.ini_options] table.
 */
export function registerRequirementMarker(
  text: string | undefined,
  file: PytestConfigFile | undefined,
): MarkerEdit {
  const target = file ?? 'pyproject.toml';
  const existing = text ?? '';
  const section = pytestSection(existing, target);
  if (section === undefined) {
    if (target !== 'pyproject.toml') return { kind: 'manual', reason: `${target} has no pytest section` };
    const table = `[tool.pytest.ini_options]\nmarkers = [\n    "${REQUIREMENT_MARKER}",\n]\n`;
    return { kind: 'edited', text: existing ? `${existing.replace(/\n*$/, '\n')}\n${table}` : table };
  }
  if (/^\s*markers\s*=/m.test(section)) {
    if (/\brequirement\b/.test(section)) return { kind: 'unchanged' };
    return {
      kind: 'manual',
      reason: `its markers list is yours: add ${target === 'pyproject.toml' ? `"${REQUIREMENT_MARKER}"` : REQUIREMENT_MARKER} to it`,
    };
  }
  const header = PYTEST_SECTION_HEADERS[target];
  const match = header.exec(existing)!;
  const at = match.index + match[0].length;
  const line =
    target === 'pyproject.toml'
      ? `\nmarkers = [\n    "${REQUIREMENT_MARKER}",\n]`
      : `\nmarkers =\n    ${REQUIREMENT_MARKER}`;
  return { kind: 'edited', text: `${existing.slice(0, at)}${line}${existing.slice(at)}` };
}
