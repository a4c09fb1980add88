// What the kind provider needs: a working Docker engine, the pinned kind CLI, and kubectl.
import { KIND_VERSION } from '../../../config/schema.ts';
import { commandCheck, diagnosis, type Check, type ProviderDiagnosis } from '../../prerequisites.ts';
import { runCommand } from '../../../process/exec.ts';

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
    await commandCheck(
      'kind',
      `go install sigs.k8s.io/kind@${KIND_VERSION} (or download the ${KIND_VERSION} release binary)`,
      {
        versionArgs: ['version'],
        env,
      },
    ),
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
