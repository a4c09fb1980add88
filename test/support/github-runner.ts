// A stand-in for a GitHub Actions runner, for tests of the workflow `incluster init` writes: it runs
// every `run:` step of each job, in order, the way a runner does (bash -e -o pipefail, a fresh
// checkout per job, the variables a runner sets, the step's and the workflow's `env`, each step's own
// $GITHUB_STEP_SUMMARY file gathered into the job's summary, `if:` conditions, a job failing at its
// first failed step). What needs GitHub itself or the network is stood in for, and each stand-in is
// recorded on its step so the test can say what it did:
//   actions/checkout           a `git clone` of the scratch repository's branch (full history with
//                              fetch-depth: 0, else depth 1) into a new workspace per job
//   actions/setup-node         the Node.js already on PATH, checked against .nvmrc
//   actions/upload-artifact    a copy of `path` into the run's artifact store, under its name
//   actions/download-artifact  a copy back, by name or pattern, into `path` (per artifact, or merged)
//   anything else (kind)       nothing: the test says what replaces it (see `rewrite` and `skip`)
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { runCommand } from '../../src/process/exec.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

interface Job {
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

export type Result = 'success' | 'failure' | 'skipped';

/** What happened to one step. */
export interface StepRecord {
  job: string;
  name: string;
  /** `run`: executed; `uses`: an action, stood in for; `skipped`: its `if:` was false, or the test skipped it. */
  kind: 'run' | 'uses' | 'skipped';
  command?: string;
  exitCode?: number;
  output: string;
  /** How an action, or a step the test changed or skipped, was stood in for. */
  standIn?: string;
}

export interface JobRecord {
  name: string;
  result: Result;
  steps: StepRecord[];
  /** Every step's $GITHUB_STEP_SUMMARY, in order: what GitHub shows as the job's summary. */
  summary: string;
}

export interface RunnerOptions {
  /** The scratch repository (its committed branch is what each job checks out). */
  repo: string;
  branch: string;
  workflowFile: string;
  /** Where workspaces, the artifact store and step summaries go. */
  workDir: string;
  /** The environment every step starts from (a user's, with the tools a runner image has on PATH). */
  env: NodeJS.ProcessEnv;
  /** A step's script as the test runs it (a stand-in, e.g. a provider for the kind cluster), with why. */
  rewrite?: (job: string, step: Step, script: string) => { script: string; standIn: string } | undefined;
  /** Steps the test cannot run here (they need the network or GitHub), with why. */
  skip?: (job: string, step: Step) => string | undefined;
  /**
   * Decides a step's failure the test accepts as the network's (an advisory service this machine cannot
   * reach): the reason, or undefined when the failure stands.
   */
  networkFailure?: (job: string, step: Step, output: string) => string | undefined;
  stepTimeoutMs?: number;
}

/** Runs the workflow's jobs; one instance is one workflow run (one artifact store). */
export class WorkflowRunner {
  readonly jobs = new Map<string, JobRecord>();
  private readonly workflow: Workflow;
  private readonly store: string;
  private runNumber = 0;

  private readonly options: RunnerOptions;

  private constructor(options: RunnerOptions, workflow: Workflow) {
    this.options = options;
    this.workflow = workflow;
    this.store = join(options.workDir, 'artifacts');
  }

  static async load(options: RunnerOptions): Promise<WorkflowRunner> {
    return new WorkflowRunner(options, parse(await readFile(options.workflowFile, 'utf8')) as Workflow);
  }

  /**
   * Takes jobs already run in `other` (another run of the same workflow) as this run's, with the
   * artifacts they uploaded: for a second run whose change cannot alter those jobs' outcome.
   */
  async adopt(other: WorkflowRunner, jobs: readonly string[], artifacts: readonly string[]): Promise<void> {
    for (const job of jobs) this.jobs.set(job, other.jobs.get(job)!);
    for (const artifact of artifacts)
      await cp(join(other.store, artifact), join(this.store, artifact), { recursive: true });
  }

  /** The job names in an order that respects `needs`. */
  order(): string[] {
    const names = Object.keys(this.workflow.jobs);
    const done: string[] = [];
    while (done.length < names.length) {
      const ready = names.filter(
        (name) =>
          !done.includes(name) && needsOf(this.workflow.jobs[name]!).every((need) => done.includes(need)),
      );
      if (!ready.length) throw new Error('the workflow’s needs form a cycle');
      done.push(...ready);
    }
    return done;
  }

  /** Runs `names` (default: every job) in order; jobs run earlier keep their records and artifacts. */
  async run(names: readonly string[] = this.order()): Promise<Map<string, JobRecord>> {
    for (const name of this.order().filter((n) => names.includes(n)))
      this.jobs.set(name, await this.runJob(name));
    return this.jobs;
  }

  /** The `needs` context: each needed job's result. */
  private needs(job: Job): Record<string, { result: Result; outputs: Record<string, string> }> {
    return Object.fromEntries(
      needsOf(job).map((need) => [need, { result: this.jobs.get(need)?.result ?? 'skipped', outputs: {} }]),
    );
  }

  private async runJob(name: string): Promise<JobRecord> {
    const job = this.workflow.jobs[name]!;
    const needs = this.needs(job);
    const neededOk = Object.values(needs).every((n) => n.result === 'success');
    const record: JobRecord = { name, result: 'success', steps: [], summary: '' };
    if (!evaluate(job.if ?? 'success()', { needs, failed: !neededOk })) {
      record.result = 'skipped';
      return record;
    }
    this.runNumber += 1;
    const workspace = join(this.options.workDir, `${String(this.runNumber).padStart(2, '0')}-${name}`);
    const temp = `${workspace}.tmp`;
    // A runner's workspace exists before any step (checkout clones into it; ci-success has none).
    await mkdir(workspace, { recursive: true });
    await mkdir(temp, { recursive: true });
    let failed = false;
    for (const [index, step] of job.steps.entries()) {
      const stepName = step.name ?? step.uses ?? step.run!.split('\n')[0]!;
      if (!evaluate(step.if ?? 'success()', { needs, failed })) {
        record.steps.push({
          job: name,
          name: stepName,
          kind: 'skipped',
          output: '',
          standIn: `if: ${step.if}`,
        });
        continue;
      }
      if (step.uses) {
        const standIn = await this.standInFor(step, workspace);
        record.steps.push({ job: name, name: stepName, kind: 'uses', output: '', standIn });
        continue;
      }
      const skipped = this.options.skip?.(name, step);
      if (skipped) {
        record.steps.push({ job: name, name: stepName, kind: 'skipped', output: '', standIn: skipped });
        continue;
      }
      const summary = join(temp, `step-summary-${index}.md`);
      await writeFile(summary, '');
      const rewritten = this.options.rewrite?.(name, step, step.run!);
      const script = rewritten?.script ?? step.run!;
      if (script.includes('${{'))
        throw new Error(`${name}: a run script with an expression the stand-in cannot evaluate: ${script}`);
      const env: NodeJS.ProcessEnv = {
        ...this.options.env,
        ...runnerVariables(this.options, name, workspace, temp, summary),
        ...this.workflow.env,
        ...job.env,
        ...evaluateEnv(step.env, needs),
      };
      const result = await runCommand('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        cwd: workspace,
        env,
        allowFailure: true,
        timeoutMs: this.options.stepTimeoutMs ?? 900_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: unknown) => ({ exitCode: -1, stdout: '', stderr: String(error) }));
      const output = `${result.stdout}${result.stderr}`;
      record.summary += await readFile(summary, 'utf8');
      const network = result.exitCode !== 0 ? this.options.networkFailure?.(name, step, output) : undefined;
      record.steps.push({
        job: name,
        name: stepName,
        kind: 'run',
        command: script,
        exitCode: result.exitCode,
        output,
        standIn: network ?? rewritten?.standIn,
      });
      if (result.exitCode !== 0 && !network) failed = true;
    }
    record.result = failed ? 'failure' : 'success';
    return record;
  }

  private async standInFor(step: Step, workspace: string): Promise<string> {
    const action = step.uses!.split('@')[0]!;
    const input = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
    if (action === 'actions/checkout') {
      const full = input['fetch-depth'] === '0';
      await runCommand('git', [
        'clone',
        '--quiet',
        '--branch',
        this.options.branch,
        ...(full ? [] : ['--depth', '1']),
        `file://${this.options.repo}`,
        workspace,
      ]);
      return `git clone of ${this.options.branch}${full ? ' (whole history)' : ' (depth 1)'}`;
    }
    if (action === 'actions/setup-node') {
      const wanted = (await readFile(join(workspace, input['node-version-file']!), 'utf8')).trim();
      const major = process.versions.node.split('.')[0];
      if (wanted !== major)
        throw new Error(`.nvmrc asks for Node.js ${wanted}, the stand-in has ${process.version}`);
      return `the Node.js ${process.version} on PATH (.nvmrc: ${wanted}); no cache`;
    }
    if (action === 'actions/upload-artifact') {
      const from = join(workspace, input.path!);
      if (!existsSync(from)) return `nothing to upload at ${input.path}`;
      await cp(from, join(this.store, input.name!), { recursive: true });
      return `copied ${input.path} into the artifact store as ${input.name}`;
    }
    if (action === 'actions/download-artifact') {
      const names = existsSync(this.store) ? await readdir(this.store) : [];
      const pattern = picomatch(input.pattern ?? '*');
      const matches = input.name ? names.filter((n) => n === input.name) : names.filter((n) => pattern(n));
      const into = join(workspace, input.path ?? '.');
      for (const artifact of matches)
        await cp(
          join(this.store, artifact),
          input['merge-multiple'] === 'true' ? into : join(into, artifact),
          {
            recursive: true,
          },
        );
      return `copied ${matches.join(', ') || 'no artifact'} from the artifact store into ${input.path ?? '.'}`;
    }
    return `not run here (${step.uses})`;
  }
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : [job.needs].flat();
}

/** The variables a GitHub runner sets for a step. */
function runnerVariables(
  options: RunnerOptions,
  job: string,
  workspace: string,
  temp: string,
  summary: string,
): NodeJS.ProcessEnv {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_JOB: job,
    GITHUB_REF: `refs/heads/${options.branch}`,
    GITHUB_REF_NAME: options.branch,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'acme/scratch',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'c0ffee'.padEnd(40, '0'),
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
  };
}

/**
 * The `if:` expressions the generated workflow uses, and nothing else: an expression the stand-in
 * does not know fails the test, so a new condition in the template cannot pass unevaluated.
 */
export function evaluate(
  expression: string,
  context: { needs: Record<string, { result: Result }>; failed: boolean },
): boolean {
  const text = expression.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  return text.split(/\s*&&\s*/).every((term) => {
    if (term === 'always()') return true;
    if (term === 'success()') return !context.failed;
    if (term === 'failure()') return context.failed;
    if (term === '!cancelled()') return true;
    const need = /^needs\.([\w-]+)\.result\s*(==|!=)\s*'(\w+)'$/.exec(term);
    if (need) return (context.needs[need[1]!]?.result === need[3]) === (need[2] === '==');
    throw new Error(`the runner stand-in cannot evaluate \`${term}\``);
  });
}

/** A step's `env`, with the one expression the generated workflow puts there: toJSON(needs). */
function evaluateEnv(
  env: Record<string, string> | undefined,
  needs: Record<string, { result: Result; outputs: Record<string, string> }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env ?? {})) {
    const text = String(value);
    if (/^\$\{\{\s*toJSON\(needs\)\s*\}\}$/.test(text)) out[key] = JSON.stringify(needs, null, 2);
    else if (text.includes('${{')) throw new Error(`the runner stand-in cannot evaluate ${key}: ${text}`);
    else out[key] = text;
  }
  return out;
}
