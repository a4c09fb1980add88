// Runs a fixture of test/fixtures/services in the runner pod, as `incluster run` does: a project
// assembled in a temporary directory from the fixture's image files, incluster's Dockerfile and
// src/, and the Vitest project where the repository keeps it (so its relative imports hold).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { allProviderFactories } from '../../../src/cluster/select.ts';
import type { ClusterAccess } from '../../../src/cluster/provider.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { Status } from '../../../src/progress/status.ts';
import { runSuite, type RunSuiteResult } from '../../../src/runner/run.ts';
import { readJUnitEvidence } from '../../../src/trace/evidence.ts';

const ROOT = join(import.meta.dirname, '../../..');
const FIXTURE = join(ROOT, 'test/fixtures/services');
const kubeconfig = process.env.KUBECONFIG ?? '';

/** A kube client for the shared cluster. */
export const kube = createKubeClient({ kubeconfig });

/** The in-pod project; `edit` may change its incluster.config.yaml (as parsed YAML) first. */
export async function servicesProject(edit?: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-services-'));
  await cp(join(FIXTURE, 'image'), dir, { recursive: true });
  await cp(join(ROOT, 'testing/Dockerfile'), join(dir, 'testing/Dockerfile'));
  await cp(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  await cp(FIXTURE, join(dir, 'test/fixtures/services'), {
    recursive: true,
    filter: (path) => !path.startsWith(join(FIXTURE, 'image')),
  });
  if (edit) {
    const file = join(dir, 'incluster.config.yaml');
    const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    edit(config);
    await writeFile(file, stringify(config));
  }
  return dir;
}

/** What became of a run's namespace by the time runSuite returned: the run deletes its own. */
export type NamespaceAfterRun = 'gone' | 'terminating' | 'present';

/** Runs the project's fixtures whose file names contain `filter`, with its log lines. */
export async function runFixture(
  dir: string,
  filter: string,
): Promise<RunSuiteResult & { lines: string[]; output: string; namespaceAfterRun: NamespaceAfterRun }> {
  const { config, root } = await loadConfig({ cwd: dir });
  const access: ClusterAccess = { provider: 'local', clusterName: 'floe-test', kubeconfigPath: kubeconfig };
  const lines: string[] = [];
  const out = new PassThrough();
  const printed: string[] = [];
  out.on('data', (chunk: Buffer) => printed.push(chunk.toString()));
  const result = await runSuite({
    config,
    root,
    provider: await allProviderFactories.local(),
    access,
    status: new Status(out, { interactive: false }),
    onLog: (line) => lines.push(line),
    runnerArgs: [filter],
    env: process.env,
    signal: new AbortController().signal,
  });
  const name = result.report.namespace;
  const namespaceAfterRun = await kube.core.readNamespace({ name }).then(
    (ns): NamespaceAfterRun => (ns.metadata?.deletionTimestamp ? 'terminating' : 'present'),
    (): NamespaceAfterRun => 'gone',
  );
  await kube.core.deleteNamespace({ name }).catch(() => undefined);
  return { ...result, lines, output: printed.join(''), namespaceAfterRun };
}

/** Removes a project made by servicesProject. */
export async function removeProject(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Each test case of the run's merged JUnit by name, with its outcome (passed, failed, skipped): a
 * test that skipped in the pod, or never ran, must not pass for one that passed.
 */
export async function junitOutcomes(result: RunSuiteResult): Promise<Record<string, string>> {
  const file = join(result.dir, 'junit.xml');
  const evidence = await readJUnitEvidence(file, await readFile(file, 'utf8'));
  return Object.fromEntries(evidence.tests.map((test) => [test.fullName, test.outcome]));
}

/** `names` → passed, the shape `junitOutcomes` gives for a run in which exactly those tests passed. */
export function allPassed(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, 'passed']));
}
