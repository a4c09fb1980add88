// What the kind provider needs: a working Docker engine, the pinned kind CLI, and kubectl. The probe
// is what `auto` asks, the diagnosis what `doctor` reports, the requirement what `up` checks first.
import { KIND_VERSION } from '../../versions.ts';
import {
  commandCheck,
  diagnosis,
  type Check,
  type ProbeResult,
  type ProviderDiagnosis,
} from '../../prerequisites.ts';
import { isOnPath, runCommand } from '../../../process/exec.ts';
import { firstLine, InfrastructureError } from '../../../errors.ts';

/** How to install the pinned kind release; shared by doctor and the provider's errors. */
const KIND_INSTALL_HINT = `install kind ${KIND_VERSION}: go install sigs.k8s.io/kind@${KIND_VERSION} (or download the ${KIND_VERSION} release binary onto PATH)`;

/** How to get a Docker engine; kind runs its nodes as Docker containers. */
const DOCKER_INSTALL_HINT =
  'install Docker (Debian: apt-get install docker.io) and start its engine (systemctl start docker)';

/** Whether kind is usable here: a Docker engine that answers and the kind CLI (never creates anything). */
export async function probeKind(env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  if (!(await isOnPath('docker', env))) return { ok: false, why: 'docker is not on PATH' };
  const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
    env,
    timeoutMs: 10_000,
    allowFailure: true,
  }).catch(() => undefined);
  if (!info || info.exitCode !== 0) return { ok: false, why: 'the docker engine does not answer' };
  if (!(await isOnPath('kind', env))) return { ok: false, why: 'kind is not on PATH' };
  return { ok: true, why: `the docker engine (${info.stdout.trim()}) answers and kind is on PATH` };
}

/** Diagnoses the kind provider's prerequisites. */
export async function diagnoseKind(env: NodeJS.ProcessEnv = process.env): Promise<ProviderDiagnosis> {
  const checks: Check[] = [];
  const docker = await commandCheck('docker', 'install Docker (Debian: apt-get install docker.io)', {
    versionArgs: ['--version'],
    env,
  });
  checks.push(docker);
  checks.push(
    docker.ok
      ? await dockerEngineCheck(env)
      : { name: 'docker engine', ok: false, detail: 'no docker CLI', fix: 'install Docker first' },
  );
  checks.push(
    await commandCheck('kind', KIND_INSTALL_HINT, {
      versionArgs: ['version'],
      env,
    }),
  );
  checks.push(
    await commandCheck('kubectl', 'install kubectl (https://kubernetes.io/docs/tasks/tools/)', {
      versionArgs: ['version', '--client'],
      env,
      optional: true,
    }),
  );
  return diagnosis('kind', checks);
}

async function dockerEngineCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
      timeoutMs: 10_000,
      env,
    });
    return { name: 'docker engine', ok: true, detail: `server ${info.stdout.trim()}` };
  } catch {
    return {
      name: 'docker engine',
      ok: false,
      detail: 'not reachable',
      fix: 'start it: systemctl start docker (or dockerd &)',
    };
  }
}

/**
 * Fails fast, before any kind command runs, when docker or kind is missing or the engine does not
 * answer, so the user sees how to install them instead of a kind stack of errors.
 */
export async function requireKindTools(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<void> {
  const missing: string[] = [];
  if (!(await isOnPath('docker', env))) missing.push('docker (not found on PATH)');
  else {
    const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
      env,
      signal,
      timeoutMs: 15_000,
      allowFailure: true,
    }).catch((error: unknown) => ({ exitCode: -1, stderr: (error as Error).message }));
    if (info.exitCode !== 0)
      missing.push(`the docker engine (does not answer: ${firstLine(info.stderr.trim()) || 'no output'})`);
  }
  if (!(await isOnPath('kind', env))) missing.push('kind (not found on PATH)');
  if (missing.length === 0) return;
  const hints = [
    missing.some((m) => m.startsWith('docker') || m.startsWith('the docker')) ? DOCKER_INSTALL_HINT : '',
    missing.some((m) => m.startsWith('kind')) ? KIND_INSTALL_HINT : '',
  ].filter(Boolean);
  throw new InfrastructureError('PrerequisiteMissing', `the kind provider needs ${missing.join(' and ')}`, {
    hint:
      `${hints.join('; ')}. \`incluster doctor --provider kind\` checks them all. ` +
      'Or let incluster bring its own: cluster.kind.offline: always (or INCLUSTER_KIND_OFFLINE=always) builds ' +
      'the pinned kind, a Docker engine of its own and the node image on this machine (as root on Linux; docs/kind-offline.md).',
  });
}
