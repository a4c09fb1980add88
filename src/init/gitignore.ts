// The lines `init` wants in .gitignore (and .dockerignore): what npm installs, what test runs leave
// behind and where providers write cluster credentials must not be committed (or copied into the
// runner image). A repository nearly always has these files already, so this never conflicts: the
// missing lines are appended, the user's own lines stay as they are.
import picomatch from 'picomatch';

/** What the scaffolded project produces and must not commit; `.incluster/` holds admin kubeconfigs. */
export const IGNORED = ['node_modules/', 'test-results/', '.incluster/'] as const;

/** What the runner image's build context leaves out (the image installs its own node_modules). */
export const DOCKER_IGNORED = [
  '.git',
  'node_modules',
  'test-results',
  '.incluster',
  'dist',
  'coverage',
] as const;

/**
 * Credentials that must never reach the runner image, anywhere in the tree: local environment
 * files, private keys and certificates, cloud, registry and cluster credentials (the image's
 * `COPY . .` takes whatever the build context holds, and the existing provider pushes the image to a
 * registry). templates/init/.dockerignore holds the same list; a test keeps them equal.
 */
export const SECRET_DOCKER_IGNORED = [
  '**/.env',
  '**/.env.*',
  '**/.envrc',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/*.jks',
  '**/*.keystore',
  '**/id_rsa*',
  '**/id_dsa*',
  '**/id_ecdsa*',
  '**/id_ed25519*',
  '**/.ssh',
  '**/.aws',
  '**/.azure',
  '**/.gcloud',
  '**/.docker/config.json',
  '**/.kube',
  '**/*kubeconfig*',
  '**/.netrc',
  '**/.pypirc',
  '**/.git-credentials',
  '**/credentials.json',
  '**/*service-account*.json',
] as const;

const HEADER = '# written by `incluster init`: installed packages, test results, cluster credentials';

/** The .gitignore text with every IGNORED entry present; `existing` unchanged when all are there. */
export function mergeGitignore(existing: string | undefined, python = false): string {
  return mergeIgnoreFile(existing, python ? [...IGNORED, ...PYTHON_IGNORED] : IGNORED, HEADER);
}

/** A Python project's additions: `incluster run` stages the pytest plugin there (generated). */
export const PYTHON_IGNORED = ['.incluster-plugins/'] as const;

/** What a Python project keeps out of the runner image: its virtualenvs and caches (the image makes its own). */
export const PYTHON_DOCKER_IGNORED = [
  '.venv',
  '**/__pycache__',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
] as const;

/**
 * The .dockerignore text with the secret patterns appended. Docker lets the last matching line win,
 * so an exception the user wrote (`!.env.test`) that one of them now overrides is repeated after
 * them: what the user re-included stays in the image.
 */
export function mergeSecretIgnores(existing: string, header: string): string {
  const merged = mergeIgnoreFile(existing, SECRET_DOCKER_IGNORED, header);
  if (merged === existing) return existing;
  const matchers = SECRET_DOCKER_IGNORED.map((pattern) => picomatch(pattern, { dot: true }));
  const overridden = existing
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('!') && matchers.some((match) => match(normalize(line.slice(1)))));
  if (!overridden.length) return merged;
  return `${merged}# your exceptions, again after the lines above so they still win\n${overridden.join('\n')}\n`;
}

/** The ignore-file text with every entry of `entries` present, missing ones appended under `header`. */
export function mergeIgnoreFile(
  existing: string | undefined,
  entries: readonly string[],
  header: string,
): string {
  const present = new Set((existing ?? '').split(/\r?\n/).map(normalize));
  const missing = entries.filter((entry) => !present.has(normalize(entry)));
  if (existing !== undefined && missing.length === 0) return existing;
  const lines = [header, ...missing, ''].join('\n');
  if (existing === undefined || existing === '') return lines;
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${lines}`;
}

/** `node_modules`, `/node_modules` and `node_modules/` ignore the same top-level directory. */
function normalize(line: string): string {
  return line.trim().replace(/^\//, '').replace(/\/$/, '');
}
