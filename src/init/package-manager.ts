// Which package manager a project uses, and what that changes in what `init` writes: the runner
// Dockerfile's install step, the workflow's install and audit steps, the install command people are
// told to run. npm, pnpm and yarn (classic and berry) are told apart by `packageManager` in
// package.json first (what corepack reads), then by the lockfile.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package managers `init` writes for. */
export type PackageManagerName = 'npm' | 'pnpm' | 'yarn';

export interface PackageManager {
  name: PackageManagerName;
  /** The version to install where none is preinstalled (the runner image, CI): exact or a major. */
  version: string;
  /** Yarn 2 and later ("berry"): other commands and flags than yarn 1. */
  berry: boolean;
  /** The lockfile the runner image's dependency stage copies. */
  lockfile: string;
  /**
   * Whether the runner image and CI can install exactly the lockfile: it is there and git does not
   * ignore it, or there is no package.json yet (the install init tells the user to run writes both).
   * Without one, they resolve package.json until a lockfile is committed (a repository whose
   * .npmrc says `package-lock=false`, or whose lockfile is never committed, works too).
   */
  locked: boolean;
  /** How it was recognised, for people: `packageManager in package.json`, `pnpm-lock.yaml`. */
  source: string;
}

/** What a runner image installs when nothing names a version: the majors the lockfiles come from. */
const DEFAULT_VERSION: Record<PackageManagerName, string> = { npm: '', pnpm: '9', yarn: '1' };

const LOCKFILES: Record<PackageManagerName, string> = {
  npm: 'package-lock.json',
  pnpm: 'pnpm-lock.yaml',
  yarn: 'yarn.lock',
};

/** The package manager of the project at `root` (npm when nothing says otherwise). */
export function detectPackageManager(root: string): PackageManager {
  const locked = (lockfile: string) =>
    !existsSync(join(root, 'package.json')) ||
    (existsSync(join(root, lockfile)) && !gitIgnores(root, lockfile));
  const declared = declaredPackageManager(root);
  if (declared) {
    const berry = declared.name === 'yarn' && Number(declared.version.split('.')[0]) >= 2;
    return {
      ...declared,
      berry,
      lockfile: LOCKFILES[declared.name],
      locked: locked(LOCKFILES[declared.name]),
      source: 'packageManager in package.json',
    };
  }
  for (const name of ['pnpm', 'yarn', 'npm'] as const) {
    const lockfile = join(root, LOCKFILES[name]);
    if (!existsSync(lockfile)) continue;
    // A yarn.lock with a __metadata block is written by yarn 2 and later.
    const berry = name === 'yarn' && readFileSync(lockfile, 'utf8').includes('__metadata:');
    return {
      name,
      version: berry ? 'stable' : DEFAULT_VERSION[name],
      berry,
      lockfile: LOCKFILES[name],
      locked: locked(LOCKFILES[name]),
      source: LOCKFILES[name],
    };
  }
  return {
    name: 'npm',
    version: '',
    berry: false,
    lockfile: LOCKFILES.npm,
    locked: locked(LOCKFILES.npm),
    source: 'no other lockfile',
  };
}

/**
 * Whether the repository's top-level .gitignore ignores `file` at the root: then the checkout CI
 * builds from has no such file, whatever the working tree holds. (Only a plain line naming it, as
 * `package-lock.json` or `/package-lock.json`: what teams write to keep a lockfile out.)
 */
function gitIgnores(root: string, file: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(root, '.gitignore'), 'utf8');
  } catch {
    return false;
  }
  let ignored = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === file || line === `/${file}`) ignored = true;
    else if (line === `!${file}` || line === `!/${file}`) ignored = false;
  }
  return ignored;
}

/** `packageManager: "pnpm@9.15.0+sha512…"` → pnpm, 9.15.0. */
function declaredPackageManager(root: string): { name: PackageManagerName; version: string } | undefined {
  let field: unknown;
  try {
    field = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager?: unknown })
      .packageManager;
  } catch {
    return undefined;
  }
  const match = typeof field === 'string' ? /^(npm|pnpm|yarn)@(\d[^+\s]*)/.exec(field) : null;
  return match ? { name: match[1] as PackageManagerName, version: match[2]! } : undefined;
}

/** The command that adds development dependencies, for the next steps `init` prints. */
export function addDevCommand(pm: PackageManager, packages: string): string {
  if (pm.name === 'pnpm') return `pnpm add --save-dev ${packages}`;
  if (pm.name === 'yarn') return `yarn add --dev ${packages}`;
  return `npm install --save-dev ${packages}`;
}

/** Installs exactly the lockfile, failing when it is out of date (the CI and runner-image install). */
export function frozenInstallCommand(pm: PackageManager): string {
  if (pm.name === 'pnpm') return 'pnpm install --frozen-lockfile';
  if (pm.name === 'yarn') return pm.berry ? 'yarn install --immutable' : 'yarn install --frozen-lockfile';
  return 'npm ci';
}

/**
 * Puts the package manager on PATH where only Node.js and npm are (a fresh image, a CI runner):
 * installed with npm, so it goes through the same registry settings and CA certificates as npm.
 * Yarn 2+ comes through corepack, which ships with Node.js up to 24.
 */
export function provisionCommand(pm: PackageManager): string | undefined {
  if (pm.name === 'pnpm') return `npm install --global --no-audit --no-fund pnpm@${pm.version}`;
  if (pm.name === 'yarn' && pm.berry) return 'corepack enable';
  // The official Node.js images ship yarn 1 already; a base built from Debian does not.
  if (pm.name === 'yarn')
    return `(command -v yarn >/dev/null || npm install --global --no-audit --no-fund yarn@${pm.version})`;
  return undefined;
}

/**
 * Installs without a lockfile (resolving package.json) where CI would otherwise refuse to: pnpm and
 * yarn 2+ freeze the lockfile by default when `CI` is set.
 */
export function resolvingInstallCommand(pm: PackageManager): string {
  if (pm.name === 'pnpm') return 'pnpm install --no-frozen-lockfile';
  if (pm.name === 'yarn') return pm.berry ? 'yarn install --no-immutable' : 'yarn install';
  return 'npm install --no-audit --no-fund';
}

/**
 * The install CI and the runner image run: exactly the lockfile, or, in a project without one, the
 * lockfile once it is committed and package.json until then.
 */
export function installCommand(
  pm: PackageManager,
  { frozen = frozenInstallCommand(pm), resolving = resolvingInstallCommand(pm) } = {},
): string {
  if (pm.locked) return frozen;
  return `if [ -f ${pm.lockfile} ]; then ${frozen}; else ${resolving}; fi`;
}

/** Fails on high and critical advisories only, as `npm audit --audit-level=high` does. */
export function auditCommand(pm: PackageManager): string {
  if (pm.name === 'pnpm') return 'pnpm audit --audit-level high';
  if (pm.name === 'yarn' && pm.berry) return 'yarn npm audit --severity high';
  // yarn 1 exits with a bit mask of the severities found: 8 high, 16 critical.
  if (pm.name === 'yarn') return 'yarn audit --groups dependencies || [ $(( $? & 24 )) -eq 0 ]';
  return 'npm audit --audit-level=high';
}

/** The runner Dockerfile's dependency stage for `pm`, from incluster's own npm one. */
export function runnerDockerfile(npmDockerfile: string, pm: PackageManager): string {
  if (pm.name === 'npm' && pm.locked) return npmDockerfile;
  const copy = 'COPY package.json package-lock.json ./';
  const install = 'npm ci --no-audit --no-fund --loglevel=error';
  for (const line of [copy, install])
    if (!npmDockerfile.includes(line))
      throw new Error(
        `testing/Dockerfile no longer contains \`${line}\`: update src/init/package-manager.ts`,
      );
  // Their configuration files are optional: a wildcard copies them when they exist. (A yarn 2+
  // project whose .yarnrc.yml sets yarnPath also needs .yarn/releases/ copied: add it by hand.)
  // Without a lockfile, the lockfile is one of them: copied, and installed exactly, once it exists.
  const extra =
    pm.name === 'npm'
      ? ''
      : pm.name === 'pnpm'
        ? ' pnpm-workspace.yaml* .npmrc*'
        : pm.berry
          ? ' .yarnrc.yml*'
          : ' .yarnrc* .npmrc*';
  const provision = provisionCommand(pm);
  // npm's own flags in the image: no audit or funding notes, errors only.
  const commands =
    pm.name === 'npm'
      ? { frozen: install, resolving: 'npm install --no-audit --no-fund --loglevel=error' }
      : {};
  const header = [
    ...(pm.name === 'npm'
      ? []
      : [`# Written for ${pm.name} by \`incluster init\`: the dependency stage installs with ${pm.name}.`]),
    ...(pm.locked
      ? []
      : [
          `# The project had no ${pm.lockfile} when \`incluster init\` wrote this: the dependency stage resolves`,
          `# package.json until one is committed, and installs exactly that lockfile from then on.`,
        ]),
  ];
  return `${header.map((line) => `${line}\n`).join('')}${npmDockerfile}`
    .replace(copy, `COPY package.json ${pm.lockfile}${pm.locked ? '' : '*'}${extra} ./`)
    .replace(install, `${provision ? `${provision} && ` : ''}${installCommand(pm, commands)}`);
}

/**
 * Why the runner Dockerfile cannot install this project's dependencies, or undefined: it copies a
 * lockfile the project does not have, or installs with another package manager than the project's.
 * For `doctor`: otherwise the mismatch shows only when `incluster run` builds the image.
 */
export function dockerfileMismatch(root: string, dockerfile: string, text: string): string | undefined {
  return dockerfileAdvice(root, dockerfile, text)?.message;
}

/** The command that writes a project's lockfile from its package.json, installing nothing else. */
export function lockfileCommand(pm: PackageManager): string {
  if (pm.name === 'pnpm') return 'pnpm install --lockfile-only';
  if (pm.name === 'yarn') return pm.berry ? 'yarn install --mode=update-lockfile' : 'yarn install';
  return 'npm install --package-lock-only';
}

/**
 * What doctor says about the runner Dockerfile: the mismatch (see dockerfileMismatch) and the fix
 * that removes it, each fix one that works: writing the missing lockfile, or writing the Dockerfile
 * again for the project's package manager.
 */
export function dockerfileAdvice(
  root: string,
  dockerfile: string,
  text: string,
): { message: string; fix: string } | undefined {
  const pm = detectPackageManager(root);
  const copiedWords = text
    .split('\n')
    .filter((line) => /^COPY\b/.test(line))
    .flatMap((line) => line.split(/\s+/));
  const copied = Object.values(LOCKFILES).filter((lockfile) => copiedWords.includes(lockfile));
  const missing = copied.filter((lockfile) => !existsSync(join(root, lockfile)));
  if (missing.length) {
    const message = `${dockerfile} copies ${missing.join(', ')}, which this project does not have (it uses ${pm.name}: ${pm.source}); the runner image build will fail`;
    if (missing.length === 1 && missing[0] === pm.lockfile)
      return {
        message,
        fix: `write it with \`${lockfileCommand(pm)}\` and commit it: the image installs exactly what it pins`,
      };
    return { message, fix: rewrite(dockerfile) };
  }
  // A pytest runner's lock: uv.lock or the pinned requirements files it installs from.
  const pythonLocks = copiedWords.filter(
    (word) => word === 'uv.lock' || /^requirements[\w.-]*\.txt$/.test(word),
  );
  const missingPython = pythonLocks.filter((lockfile) => !existsSync(join(root, lockfile)));
  if (missingPython.length)
    return {
      message: `${dockerfile} copies ${missingPython.join(', ')}, which this project does not have; the runner image build will fail`,
      fix:
        missingPython.length === 1 && missingPython[0] === 'uv.lock'
          ? 'write it with `uv lock` and commit it: the image installs exactly what it pins'
          : rewrite(dockerfile),
    };
  const installs = /\bpnpm install\b/.test(text)
    ? 'pnpm'
    : /\byarn install\b/.test(text)
      ? 'yarn'
      : /\bnpm ci\b/.test(text)
        ? 'npm'
        : undefined;
  if (installs && installs !== pm.name)
    return {
      message: `${dockerfile} installs with ${installs}, but this project uses ${pm.name} (${pm.source})`,
      fix: rewrite(dockerfile),
    };
  return undefined;
}

function rewrite(dockerfile: string): string {
  return `remove ${dockerfile} and run \`incluster init\`: it writes the runner Dockerfile for this project's package manager and lockfile (and leaves every other file as it is)`;
}
