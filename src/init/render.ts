// The templates, made the project's own: named after it, with its package manager's commands and
// its test locations. Each change replaces text the template is known to contain and fails loudly
// when the template no longer does, so a template edit cannot silently disable a substitution.
import { parseDocument } from 'yaml';
import { runnerDockerfile } from './package-manager.ts';
import type { ProjectLayout } from './project.ts';
import { describeUntagged, type UntaggedTest } from './untagged.ts';

/** The seed's name in the templates: incluster's own example project, replaced by the project's. */
export const EXAMPLE_NAME = 'floe-test';

/** Replaces `from` (which must occur) by `to`, every occurrence. */
function swap(text: string, from: string | RegExp, to: string, file: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`templates: ${file} no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
}

/**
 * The lines that turn trace.allowUntagged on, naming the tests that made `init` do it (the first
 * few): the gate is relaxed only for a repository whose existing tests name no requirement yet.
 */
export function allowUntaggedLines(untagged: readonly UntaggedTest[]): string {
  const shown = untagged.slice(0, 3).map(describeUntagged);
  const more = untagged.length > shown.length ? ` and ${untagged.length - shown.length} more` : '';
  return [
    '  # Tests written before incluster name no requirement yet: until each does, `incluster trace`',
    '  # lists them without failing. Set this to false to make an untagged test fail the gate.',
    `  # Untagged when init ran: ${shown.join('; ')}${more}.`,
    '  allowUntagged: true',
    '',
  ].join('\n');
}

/** incluster.config.yaml: names, and untagged tests allowed while there are any. */
export function renderConfig(
  template: string,
  layout: ProjectLayout,
  untagged: readonly UntaggedTest[] = [],
): string {
  const file = 'incluster.config.yaml';
  let text = swap(template, `  name: ${EXAMPLE_NAME}\n`, `  name: ${layout.name}\n`, file);
  text = swap(text, `\nnamespace: ${EXAMPLE_NAME}\n`, `\nnamespace: ${layout.name}\n`, file);
  text = swap(
    text,
    '(make test-integration passes\n  # test/integration, make test-e2e passes test/e2e)',
    `(make test-integration passes\n  # ${layout.integrationDir}, make test-e2e passes ${layout.e2eDir})`,
    file,
  );
  text = swap(
    text,
    / {2}allowUntagged: false\n/,
    untagged.length ? allowUntaggedLines(untagged) : '  allowUntagged: false\n',
    file,
  );
  // What was written must be what incluster reads.
  const doc = parseDocument(text);
  if (doc.errors.length)
    throw new Error(`templates: ${file} renders to invalid YAML: ${doc.errors[0]!.message}`);
  return text;
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
