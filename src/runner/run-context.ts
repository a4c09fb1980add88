// What every phase of a run reads: the options it was started with, the names derived from its id,
// the client, and the ledger of what it created. Built once by the driver (run.ts); phases read it
// and return data, they never write into it, so the report is assembled in one place.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterAccess, ClusterProvider, ProviderContext } from '../cluster/provider.ts';
import type { Config } from '../config/schema.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import { newRunId } from '../ownership.ts';
import { runServicesConfig } from '../services/isolation.ts';
import { commandLine } from '../process/exec.ts';
import { Ledger } from './ledger.ts';

/** How `incluster run` was asked to run: the CLI's provider context plus the run's own choices. */
export interface RunSuiteOptions extends Omit<ProviderContext, 'artifactsDir'> {
  provider: ClusterProvider;
  access: ClusterAccess;
  /** Where each log line of the tests goes (already prefixed with its shard). */
  onLog: (line: string) => void;
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
  /** Where sharded runs read and write the test files' durations (default <artifacts.dir>/timings.json). */
  timingsFile?: string;
}

/** One run's fixed facts and shared handles. */
export interface RunContext {
  readonly options: RunSuiteOptions;
  readonly runId: string;
  /** The run's own namespace. */
  readonly namespace: string;
  /** test-results/<run-id>/, absolute. */
  readonly dir: string;
  readonly shards: number;
  readonly startedAt: Date;
  readonly client: KubeClient;
  readonly ledger: Ledger;
  /** The provider's context for this run: the CLI's, with logs exported into the run's directory. */
  readonly providerContext: ProviderContext;
  /** services.isolation is `run`: the run deploys its own services into its namespace. */
  readonly ownServices: boolean;
  /** The config as the run's services see it: `namespace` is where they are (the run's own, with ownServices). */
  readonly servicesConfig: Config;
}

/** Derives the run's names, creates its results directory and its client. */
export async function createRunContext(options: RunSuiteOptions): Promise<RunContext> {
  const runId = options.runId ?? newRunId();
  const namespace = `incluster-run-${runId}`;
  const ownServices = options.config.services.isolation === 'run';
  // A config the run's own services cannot honour is the user's to fix, before anything is created.
  const servicesConfig = ownServices ? runServicesConfig(options.config, namespace) : options.config;
  const interrupts = options.interrupts;
  const dir = join(options.config.artifacts.dir, runId);
  await mkdir(dir, { recursive: true });
  const client = createKubeClient({
    kubeconfig: options.access.kubeconfigPath,
    context: options.access.context,
    env: options.env,
  });
  return {
    options,
    runId,
    namespace,
    dir,
    shards: options.shards ?? options.config.runner.shards,
    startedAt: new Date(),
    client,
    ledger: new Ledger(
      client,
      interrupts && {
        hold: (leftover) => interrupts.hold(leftover),
        removeWith: sweepCommand(runId, options.access),
      },
    ),
    providerContext: { ...options, artifactsDir: dir },
    ownServices,
    servicesConfig,
  };
}

/** The command that removes what a run left in the cluster, on the cluster it ran on. */
function sweepCommand(runId: string, access: ClusterAccess): string {
  const args = ['incluster', 'sweep', '--run', runId, '--kubeconfig', access.kubeconfigPath];
  if (access.context) args.push('--context', access.context);
  return commandLine(args);
}
