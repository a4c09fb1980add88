// `incluster run` as a pipeline of named phases: build the runner image → load it into the cluster
// → the run's namespace → RBAC → database Secret → Job → follow the shards (logs live, artifacts
// copied out as each ends) → merge JUnit → report → clean up. An interrupt at any point deletes what
// the run created and says so (FR-017).
//
// Secret access: the PostgreSQL Secret lives in the services' namespace (config.namespace). The Job
// runs in a namespace of its own (so the restricted Pod Security Standard can be enforced on it
// without touching the services' namespace, and so deleting it removes everything), hence the
// Secret is copied into the run's namespace and referenced by secretKeyRef; it dies with it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import {
  canLoadImages,
  type ClusterAccess,
  type ClusterProvider,
  type ProviderContext,
} from '../cluster/provider.ts';
import { cacheRoot } from '../cluster/cache.ts';
import type { Config } from '../config/schema.ts';
import { ExitStatus, InclusterError, InfrastructureError, describeError } from '../errors.ts';
import { isNotFound } from '../kube/api-error.ts';
import { applyManifests } from '../kube/apply.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import { deleted } from '../kube/conditions.ts';
import { copyFromPod } from '../kube/copy.ts';
import { execInPod } from '../kube/exec.ts';
import { streamLogs } from '../kube/logs.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { waitFor } from '../kube/wait.ts';
import type { Status } from '../progress/status.ts';
import { dockerImageId, rememberLookups } from './base-images.ts';
import {
  baseImageFor,
  buildRunnerImage,
  dependencyKey,
  forgetBaseImage,
  imageReference,
  rememberBaseImage,
  deliverImage,
  resolveBuildPaths,
  type DeliveredImage,
  type RunnerImage,
} from './image.ts';
import {
  ARTIFACTS_DIR,
  COLLECTED_FILE,
  HOLDER_CONTAINER,
  RUNNER_NAME,
  TEST_CONTAINER,
  copiedSecret,
  parseDurationSeconds,
  rbacObjects,
  runnerJob,
  runNamespace,
  serviceAccount,
  type RunnerSpec,
} from './job.ts';
import { mergeJUnit, type MergedJUnit } from './junit.ts';
import { packSources, receiveCommand } from './sources.ts';
import { superviseJob, type ShardEnd } from './monitor.ts';
import { decideVerdict, type RunVerdict, type ShardOutcome } from './outcome.ts';
import { holderRunning } from './pod-state.ts';
import { summarizeTraceability, type RunReport, type ShardReport } from './report.ts';

/** The exit status of an interrupted run: the shell's convention for SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_STATUS = 130;

export interface RunSuiteOptions {
  config: Config;
  /** Directory the config's relative paths resolve against. */
  root: string;
  provider: ClusterProvider;
  access: ClusterAccess;
  status: Status;
  /** Where each log line of the tests goes (already prefixed with its shard). */
  onLog: (line: string) => void;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  shards?: number;
  /** Overrides runner.timeout (seconds). */
  timeoutSeconds?: number;
  /** Keep the namespace, Job and pods after the run. */
  keep?: boolean;
  /** Arguments for the test runner (after `--`). */
  runnerArgs?: readonly string[];
  /** Use this image as it is: no build, no load (e.g. a prebuilt image the nodes already have). */
  image?: { reference: string; pullPolicy: 'Never' | 'IfNotPresent' };
  runId?: string;
  /** Sync changed sources into the last image with the same dependencies (default true; kind, local). */
  syncSources?: boolean;
}

/** What a run produced: its exit status, report and results directory. */
export interface RunSuiteResult {
  exitStatus: number;
  verdict: RunVerdict | undefined;
  report: RunReport;
  dir: string;
  junit: MergedJUnit | undefined;
}

/** A run id that sorts by time and is unique enough to name a namespace: `20261124-150312-a1b2`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Runs the suite inside the cluster; resolves with the exit status (130 when interrupted). */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteResult> {
  const { config, status, signal } = options;
  const runId = options.runId ?? newRunId();
  const dir = resolve(options.root, config.artifacts.dir, runId);
  const namespace = `incluster-run-${runId}`;
  const shards = options.shards ?? config.runner.shards;
  const startedAt = new Date();
  const client = createKubeClient({
    kubeconfig: options.access.kubeconfigPath,
    context: options.access.context,
    env: options.env,
  });
  const report: RunReport = {
    schemaVersion: 1,
    kind: 'incluster-run-report',
    runId,
    outcome: 'infrastructure',
    exitStatus: ExitStatus.infrastructure,
    message: '',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationMs: 0,
    phases: [],
    cluster: {
      provider: options.access.provider,
      name: options.access.clusterName,
      server: client.server,
      nodes: [],
    },
    namespace,
    job: RUNNER_NAME,
    command: [...config.runner.command],
    runnerArgs: [...(options.runnerArgs ?? [])],
    shards: [],
  };
  await mkdir(dir, { recursive: true });
  const created: { namespace: boolean; servicesRbac: boolean } = { namespace: false, servicesRbac: false };
  /** The sources to sync into the pods, when they run a base image (see sources.ts). */
  let sources: Buffer | undefined;
  let forgetBase: (() => Promise<void>) | undefined;
  let result: RunSuiteResult;
  try {
    result = await pipeline();
  } catch (error) {
    if (signal.aborted) {
      result = await interrupted();
    } else {
      const infra =
        error instanceof InclusterError
          ? error
          : new InfrastructureError('Unexpected', describeError(error), { cause: error });
      report.outcome = infra.exitStatus === ExitStatus.infrastructure ? 'infrastructure' : 'failed';
      report.exitStatus = infra.exitStatus;
      report.reason = infra instanceof InfrastructureError ? infra.reason : infra.code;
      report.message = infra.message;
      await cleanUp(false);
      await writeReport();
      throw error;
    }
  }
  return result;

  async function pipeline(): Promise<RunSuiteResult> {
    const { gitVersion } = await client.ping(signal);
    report.cluster.serverVersion = gitVersion;
    report.cluster.nodes = await nodeVersions(client);

    const delivered = await prepareImage();
    const spec: RunnerSpec = {
      runId,
      namespace,
      servicesNamespace: config.namespace,
      clusterName: config.cluster.name,
      image: delivered.reference,
      imagePullPolicy: delivered.pullPolicy,
      command: config.runner.command,
      runnerArgs: options.runnerArgs ?? [],
      shards,
      timeoutSeconds: options.timeoutSeconds ?? parseDurationSeconds(config.runner.timeout, 'runner.timeout'),
      ttlSeconds: parseDurationSeconds(config.runner.ttlAfterFinished, 'runner.ttlAfterFinished'),
      resources: config.runner.resources,
      artifactsSizeLimit: config.runner.artifactsSizeLimit,
      env: config.runner.env,
      rbac: config.runner.rbac,
      postgres: { ...config.postgres, secret: undefined },
      syncSources: sources !== undefined,
    };

    await status.phase(`Creating namespace ${namespace} (restricted Pod Security)`, async () => {
      created.namespace = true;
      await applyManifests(client, [runNamespace(spec)], { signal });
    });
    const servicesExist = await namespaceExists(client, config.namespace);
    await status.phase('Granting the runner its RBAC rules', async () => {
      const objects = [serviceAccount(spec), ...rbacObjects(spec, namespace)];
      if (servicesExist) {
        created.servicesRbac = true;
        objects.push(...rbacObjects(spec, config.namespace));
      }
      await applyManifests(client, objects, { signal });
    });
    spec.postgres.secret = await status.phase(`Giving the runner the ${config.postgres.secret} Secret`, () =>
      copySecret(spec, servicesExist),
    );
    await status.phase(
      `Creating Job ${namespace}/${RUNNER_NAME} (${shards} shard${shards === 1 ? '' : 's'})`,
      () => applyManifests(client, [runnerJob(spec)], { signal }),
    );

    status.start(`Running the suite in ${shards} pod${shards === 1 ? '' : 's'}`);
    const logs = new Map<number, Promise<void>>();
    const copies = new Map<number, ShardReport['artifacts']>();
    let ends: ShardEnd[];
    try {
      ends = await superviseJob(client, namespace, RUNNER_NAME, {
        shards,
        signal,
        onPod: (pod, index) => {
          logs.set(index, followLogs(pod, index));
          if (sources) void syncSources(pod.metadata.name ?? '', index, sources);
        },
        onShardEnd: async (end) => {
          const name = end.pod?.metadata.name;
          const line =
            end.state.state === 'ended'
              ? `tests exited ${end.state.exitCode}`
              : `${end.state.reason}: ${end.state.message}`;
          // The log stream trails the pod status by a moment: let the last lines through first.
          const ran = end.state.state === 'ended' || end.state.collectable;
          if (ran) await Promise.race([logs.get(end.index), delay(5000)]);
          status.info(`[shard ${end.index}] ${line}`);
          if (name && ran) copies.set(end.index, await collect(name, end.index));
        },
      });
    } catch (error) {
      status.end(false);
      throw error;
    }
    // Logs of a pod that never started end by themselves; wait briefly for the last lines.
    await Promise.race([Promise.allSettled(logs.values()), delay(3000)]);
    status.end(true);
    await releaseHolders(ends);

    const junit = await status.phase('Merging results', () => mergeResults(ends.length));
    const outcomes: ShardOutcome[] = ends.map((end) =>
      end.state.state === 'ended'
        ? { kind: 'ended', exitCode: end.state.exitCode }
        : { kind: 'infrastructure', reason: end.state.reason, message: end.state.message },
    );
    const verdict = decideVerdict(outcomes, junit?.counts);
    if (forgetBase && verdict.reason === 'ErrImageNeverPull') {
      // The base image is gone from the node: the next run builds and loads a full image again.
      await forgetBase();
      verdict.message += '; the next run will build and load the image again';
    }
    report.shards = ends.map((end) => shardReport(end, copies.get(end.index)));
    report.outcome = verdict.outcome;
    report.exitStatus = verdict.exitStatus;
    report.reason = verdict.reason;
    report.message = verdict.message;
    report.tests = junit?.counts;
    // Printed by the CLI and --json as they are: failure messages may quote a secret the tests saw.
    report.failedTests = junit?.failed.map((line) => client.redactor.redact(line));
    report.junit = junit ? 'junit.xml' : undefined;
    report.traceability = await summarizeTraceability(dir, ends.length);
    await cleanUp(false);
    await writeReport();
    return { exitStatus: verdict.exitStatus, verdict, report, dir, junit };
  }

  async function prepareImage(): Promise<DeliveredImage> {
    if (options.image) {
      report.image = {
        reference: options.image.reference,
        clusterReference: options.image.reference,
        built: false,
      };
      return options.image;
    }
    const paths = resolveBuildPaths(options.root, config.runner);
    // The base images' IDs are part of every hash below; the engine is asked once per image.
    const baseImageId = rememberLookups(dockerImageId(options.env ?? process.env, signal));
    const buildOptions = { ...paths, repository: config.runner.image, env: options.env, baseImageId };
    const basesFile = join(cacheRoot(options.env), 'runner-bases.json');
    let cid: string | undefined;
    let depsKey: string | undefined;
    if (canLoadImages(options.provider)) {
      // Known even when this run does not sync, so the image it loads becomes the next run's base.
      cid = await clusterId(client);
      depsKey = await dependencyKey(buildOptions);
    }
    if (cid && depsKey && options.syncSources !== false) {
      const base = await baseImageFor(basesFile, cid, depsKey);
      const { reference, hash } = await imageReference(buildOptions);
      if (base && base !== reference) {
        // Same dependencies, other sources: run the loaded image with the current sources synced in.
        status.info(
          `  sources changed, dependencies not: running ${base} with the current sources synced in`,
        );
        sources = await packSources(paths.contextDir);
        forgetBase = () => forgetBaseImage(basesFile, cid, depsKey);
        report.image = {
          reference,
          contentHash: hash,
          built: false,
          clusterReference: base,
          syncedSourcesInto: base,
        };
        return { reference: base, pullPolicy: 'Never' };
      }
    }
    let image: RunnerImage | undefined;
    await status.phase('Building the runner image', async () => {
      image = await buildRunnerImage({
        ...paths,
        repository: config.runner.image,
        env: options.env,
        baseImageId,
        signal,
        onLine: (line) => {
          if (/^Step \d+\/\d+/.test(line)) status.update(line);
        },
      });
    });
    const built = image!;
    status.info(
      `  ${built.reference} (${built.built ? 'built' : 'unchanged, not rebuilt'}, ${built.id.slice(0, 19)})`,
    );
    const ctx: ProviderContext = {
      config,
      root: options.root,
      status,
      env: options.env,
      signal,
      artifactsDir: dir,
    };
    // Loaders (kind, local) report their own phase; a push to a registry gets one here.
    const delivered = canLoadImages(options.provider)
      ? await deliverImage(options.provider, ctx, built.reference, client, {
          // Outside the build context, so writing it never changes the next content hash.
          file: join(cacheRoot(options.env), 'loaded-images.json'),
          clusterId: await clusterId(client),
          imageId: built.id,
        })
      : await status.phase(
          `Pushing ${built.reference} to ${config.cluster.existing.registry ?? 'the registry'}`,
          () => deliverImage(options.provider, ctx, built.reference, client),
        );
    if (cid && depsKey && canLoadImages(options.provider))
      await rememberBaseImage(basesFile, cid, depsKey, built.reference);
    if (!delivered.loaded) status.info(`  ${built.reference} is already on every node`);
    report.image = {
      reference: built.reference,
      id: built.id,
      contentHash: built.contentHash,
      built: built.built,
      clusterReference: delivered.reference,
      digest: delivered.digest,
    };
    return delivered;
  }

  async function copySecret(spec: RunnerSpec, servicesExist: boolean): Promise<string | undefined> {
    const name = config.postgres.secret;
    let source;
    try {
      source = servicesExist
        ? await client.core.readNamespacedSecret({ namespace: config.namespace, name })
        : undefined;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!source) {
      status.info(
        `  no Secret ${config.namespace}/${name}: the tests get no POSTGRES_USER/POSTGRES_PASSWORD`,
      );
      return undefined;
    }
    await applyManifests(client, [copiedSecret({ data: source.data, type: source.type }, name, spec)], {
      signal,
    });
    return name;
  }

  /** Follows the test container's log, each line prefixed with its shard and redacted. */
  async function followLogs(pod: KubeObject, index: number): Promise<void> {
    const name = pod.metadata.name ?? '';
    try {
      // No abort signal on purpose: aborting the kube layer's follow request leaves an unhandled
      // stream error behind (it crashes the process). The stream ends by itself when the container
      // ends or its pod is deleted, which an interrupt does at once.
      await streamLogs(client, namespace, name, {
        container: TEST_CONTAINER,
        startTimeoutMs: 10 * 60_000,
        onLine: (line) => options.onLog(`[shard ${index}] ${client.redactor.redact(line)}`),
      });
    } catch (error) {
      if (!signal.aborted)
        status.info(`[shard ${index}] (logs unavailable: ${describeError(error).split('\n')[0]})`);
    }
  }

  /** Streams the sources into a pod through its holder container, once that runs. */
  async function syncSources(pod: string, index: number, archive: Buffer): Promise<void> {
    const deadline = Date.now() + 5 * 60_000;
    try {
      while (Date.now() < deadline && !signal.aborted) {
        const object = await client.core.readNamespacedPod({ namespace, name: pod });
        if (holderRunning(object as unknown as KubeObject)) break;
        if (['Failed', 'Succeeded'].includes(object.status?.phase ?? '')) return;
        await delay(250);
      }
      const result = await execInPod(client, namespace, pod, receiveCommand(archive.length), {
        container: HOLDER_CONTAINER,
        stdin: archive,
        signal,
      });
      if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}: ${result.stderr.trim()}`);
    } catch (error) {
      if (!signal.aborted)
        status.info(
          `[shard ${index}] sources could not be synced: ${describeError(error).split('\n')[0] ?? ''}`,
        );
    }
  }

  /** Copies /artifacts of a shard's pod, through the holder container, into shard-<i>/. */
  async function collect(pod: string, index: number): Promise<ShardReport['artifacts']> {
    const target = join(dir, `shard-${index}`);
    try {
      const copy = await copyFromPod(client, namespace, pod, ARTIFACTS_DIR, target, {
        container: HOLDER_CONTAINER,
        maxBytes: config.artifacts.maxArchiveBytes,
        signal,
      });
      for (const rejected of copy.rejected)
        status.info(`[shard ${index}] refused ${rejected.path}: ${rejected.reason}`);
      return { files: copy.files.filter((f) => f !== '.'), bytes: copy.bytes, rejected: copy.rejected };
    } catch (error) {
      if (signal.aborted) throw error;
      const why = describeError(error).split('\n')[0] ?? '';
      status.info(`[shard ${index}] artifacts could not be copied: ${why}`);
      return { files: [], bytes: 0, rejected: [], error: why };
    }
  }

  /** Lets every holder container exit, so the Job can finish (and its TTL start). */
  async function releaseHolders(ends: readonly ShardEnd[]): Promise<void> {
    await Promise.allSettled(
      ends
        .filter((end) => end.pod && holderRunning(end.pod))
        .map((end) =>
          execInPod(client, namespace, end.pod!.metadata.name ?? '', ['touch', COLLECTED_FILE], {
            container: HOLDER_CONTAINER,
            signal: AbortSignal.timeout(15_000),
          }),
        ),
    );
  }

  async function mergeResults(count: number): Promise<MergedJUnit | undefined> {
    const inputs = [];
    for (let index = 0; index < count; index += 1) {
      for (const file of await junitFiles(join(dir, `shard-${index}`)))
        inputs.push({ source: relative(dir, file), xml: await readFile(file, 'utf8') });
    }
    if (inputs.length === 0) {
      status.info(
        '  no JUnit file among the artifacts (write one to /artifacts, e.g. vitest --reporter=junit --outputFile=/artifacts/junit.xml)',
      );
      return undefined;
    }
    const merged = mergeJUnit(inputs, `incluster run ${runId}`);
    for (const bad of merged.unreadable) status.info(`  ${bad.source} is not JUnit: ${bad.reason}`);
    await writeFile(join(dir, 'junit.xml'), client.redactor.redact(merged.xml));
    return merged;
  }

  async function interrupted(): Promise<RunSuiteResult> {
    status.end(false);
    const removed = await cleanUp(true);
    report.outcome = 'interrupted';
    report.exitStatus = INTERRUPTED_EXIT_STATUS;
    report.message = `interrupted; ${removed}`;
    status.info(`incluster: run ${runId} interrupted: ${removed}`);
    await writeReport();
    return { exitStatus: INTERRUPTED_EXIT_STATUS, verdict: undefined, report, dir, junit: undefined };
  }

  /** Deletes the Job (and its pods), the run namespace and the RBAC left in the services' namespace. */
  async function cleanUp(force: boolean): Promise<string> {
    if (!created.namespace) return 'nothing had been created in the cluster yet';
    if (options.keep && !force) {
      status.info(
        `  kept namespace ${namespace} (--keep); delete it with: kubectl delete namespace ${namespace}`,
      );
      return 'kept';
    }
    const budget = AbortSignal.timeout(60_000);
    return status.phase(
      force ? "Deleting the run's Job, pods and namespace" : `Deleting namespace ${namespace}`,
      async () => {
        const jobPath = `/apis/batch/v1/namespaces/${namespace}/jobs/${RUNNER_NAME}`;
        await client
          .request(HttpMethod.DELETE, jobPath, {
            body: {
              kind: 'DeleteOptions',
              apiVersion: 'v1',
              propagationPolicy: 'Background',
              gracePeriodSeconds: force ? 0 : undefined,
            },
            signal: budget,
          })
          .catch(ignoreNotFound);
        let pods = 0;
        if (force) {
          // Background propagation leaves the pods to the garbage collector; on an interrupt we
          // delete them ourselves, at once, and wait until they are gone.
          const list = await client.core
            .listNamespacedPod({ namespace, labelSelector: `job-name=${RUNNER_NAME}` })
            .catch(() => ({ items: [] }));
          pods = list.items.length;
          await client.core
            .deleteCollectionNamespacedPod({
              namespace,
              labelSelector: `job-name=${RUNNER_NAME}`,
              gracePeriodSeconds: 0,
            })
            .catch(ignoreNotFound);
        }
        if (created.servicesRbac)
          for (const kind of ['rolebindings', 'roles'])
            await client
              .request(
                HttpMethod.DELETE,
                `/apis/rbac.authorization.k8s.io/v1/namespaces/${config.namespace}/${kind}/${RUNNER_NAME}-${runId}`,
                { signal: budget },
              )
              .catch(ignoreNotFound);
        if (!options.keep)
          await client.core
            .deleteNamespace({ name: namespace, propagationPolicy: 'Background' })
            .catch(ignoreNotFound);
        if (force) {
          await waitFor(deleted(client, 'Job', namespace, RUNNER_NAME), {
            timeout: 30_000,
            signal: budget,
          }).catch(() => undefined);
          const left = await client.core
            .listNamespacedPod({ namespace, labelSelector: `job-name=${RUNNER_NAME}` })
            .catch(() => ({ items: [] }));
          if (left.items.length > 0)
            await Promise.all(
              left.items.map((p) =>
                waitFor(deleted(client, 'Pod', namespace, p.metadata?.name ?? ''), {
                  timeout: 30_000,
                  signal: budget,
                }).catch(() => undefined),
              ),
            );
          if (!options.keep)
            await waitFor(deleted(client, 'Namespace', undefined, namespace), {
              timeout: 30_000,
              signal: budget,
            }).catch(() => status.info(`  namespace ${namespace} is still terminating`));
          return `deleted Job ${namespace}/${RUNNER_NAME}, its ${pods} pod${pods === 1 ? '' : 's'}${options.keep ? '' : ` and namespace ${namespace}`}`;
        }
        return `deleted namespace ${namespace}`;
      },
    );
  }

  async function writeReport(): Promise<void> {
    const finished = new Date();
    report.finishedAt = finished.toISOString();
    report.durationMs = finished.getTime() - startedAt.getTime();
    report.phases = status.timings.map((t) => ({ name: t.name, ms: Math.round(t.ms), ok: t.ok }));
    await writeFile(
      join(dir, 'report.json'),
      `${JSON.stringify(client.redactor.redactData(report), null, 2)}\n`,
    );
  }
}

function shardReport(end: ShardEnd, artifacts: ShardReport['artifacts'] | undefined): ShardReport {
  const status = end.pod?.status as
    | {
        containerStatuses?: {
          name?: string;
          state?: { terminated?: { startedAt?: string; finishedAt?: string } };
        }[];
      }
    | undefined;
  const terminated = status?.containerStatuses?.find((c) => c.name === TEST_CONTAINER)?.state?.terminated;
  const durationMs =
    terminated?.startedAt && terminated.finishedAt
      ? new Date(terminated.finishedAt).getTime() - new Date(terminated.startedAt).getTime()
      : undefined;
  return {
    index: end.index,
    pod: end.pod?.metadata.name,
    node: (end.pod?.spec as { nodeName?: string } | undefined)?.nodeName,
    state: end.state.state,
    exitCode: end.state.state === 'ended' ? end.state.exitCode : undefined,
    reason: end.state.state === 'infrastructure' ? end.state.reason : undefined,
    message: end.state.state === 'infrastructure' ? end.state.message : end.state.detail,
    testDurationMs: durationMs,
    testEndedAt: terminated?.finishedAt,
    artifacts: artifacts ?? { files: [], bytes: 0, rejected: [] },
  };
}

/** JUnit files of a shard: every `*.xml` whose name says junit; the trace reporter's copy only when alone. */
async function junitFiles(shardDir: string): Promise<string[]> {
  const names = await readdir(shardDir, { recursive: true }).catch(() => [] as string[]);
  const xml = names.filter((n) => /junit[^/]*\.xml$/i.test(n) || /(^|\/)[^/]*junit[^/]*\.xml$/i.test(n));
  const own = xml.filter((n) => !/(^|\/)traceability[^/]*\.xml$/i.test(n));
  return (own.length > 0 ? own : xml).sort().map((n) => join(shardDir, n));
}

async function nodeVersions(client: KubeClient): Promise<RunReport['cluster']['nodes']> {
  const nodes = await client.core.listNode().catch(() => ({ items: [] }));
  return nodes.items.map((node) => ({
    name: node.metadata?.name ?? '?',
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
    containerRuntimeVersion: node.status?.nodeInfo?.containerRuntimeVersion,
    osImage: node.status?.nodeInfo?.osImage,
  }));
}

/** The kube-system namespace's UID: new whenever the cluster is recreated. */
async function clusterId(client: KubeClient): Promise<string> {
  const ns = await client.core.readNamespace({ name: 'kube-system' });
  return ns.metadata?.uid ?? client.server;
}

async function namespaceExists(client: KubeClient, name: string): Promise<boolean> {
  try {
    await client.core.readNamespace({ name });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
