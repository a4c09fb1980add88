// The one way incluster builds a program from the Go module proxy: once per version and build
// inputs, into the cache, at low priority (the machine stays usable during a build of minutes).
// Kubernetes, etcd, CoreDNS, crictl, local-path-provisioner, kind and helm are each a GoProgram;
// the cache directory's name holds the key of every build input (module, version, packages,
// flags, environment), so a change to any of them builds into a new directory.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.ts';
import { isOnPath, runCommand } from '../../process/exec.ts';
import { isExecutable } from '../../process/paths.ts';
import type { Status } from '../../progress/status.ts';
import { cacheKey } from '../cache.ts';

/** A program built from Go modules. */
export interface GoProgram {
  /** Its folder in the cache: `coredns` → `<cache>/coredns/<version>/<key>/`. */
  name: string;
  /** What status lines and errors call it: `CoreDNS`. */
  label: string;
  /** The module version as Go writes it: `v1.12.1`. */
  version: string;
  /** Each binary it can build, and the package that builds it. */
  binaries: Readonly<Record<string, string>>;
  /** Where the packages come from. */
  source: GoSource;
  /** `-ldflags` of every binary (stripped, and any version stamps). */
  ldflags: string;
  /** Build tags, if any. */
  tags?: readonly string[];
}

/**
 * `install`: `go install PACKAGE@VERSION` (a main module that builds as published). `module`: a
 * wrapper module requiring what `go install` refuses (replace directives, vendored dependencies),
 * built with `go build`; `goMod` writes its go.mod and `identity` says what that go.mod is made of.
 */
export type GoSource =
  { kind: 'install' } | { kind: 'module'; identity: string; goMod: (go: GoCommand) => Promise<string> };

/** Runs `go` in the wrapper module's directory (what a go.mod generator may need: `go mod download`). */
export type GoCommand = (args: readonly string[]) => Promise<string>;

/** What a build needs from its caller. */
export interface GoBuildOptions {
  cacheRoot: string;
  /** Reports the build as a phase, and each binary as a detail when `update` is there. */
  status: Pick<Status, 'phase'> & Partial<Pick<Status, 'update'>>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Only these binaries (default all of the program's); the others are built when first asked for. */
  only?: readonly string[];
}

/** A status for a build inside another phase (an image build): its phase name becomes a detail. */
export function detailStatus(progress?: (detail: string) => void): GoBuildOptions['status'] {
  return {
    phase: async (name, work) => {
      progress?.(name);
      return work();
    },
  };
}

/** The environment of every build: static binaries, modules resolved from the proxy as published. */
const BUILD_ENV = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } as const;

/** The key of every input of `program`'s build; part of its cache directory's name. */
export function goBuildKey(program: GoProgram): string {
  const source = program.source.kind === 'install' ? 'install' : `module:${program.source.identity}`;
  return cacheKey([
    program.name,
    program.version,
    source,
    JSON.stringify(Object.entries(program.binaries).sort()),
    program.ldflags,
    (program.tags ?? []).join(','),
    JSON.stringify(BUILD_ENV),
  ]);
}

/** Where `program`'s binaries are cached (built or not). */
export function goProgramDir(cacheRoot: string, program: GoProgram): string {
  return join(cacheRoot, program.name, program.version, goBuildKey(program));
}

/** Every version directory `program` may leave in the cache (`incluster cache prune` keeps only the current one). */
export function goProgramRoot(cacheRoot: string, program: GoProgram): string {
  return join(cacheRoot, program.name);
}

/** Returns the directory holding `program`'s binaries, building those missing first. */
export async function ensureGoProgram(program: GoProgram, options: GoBuildOptions): Promise<string> {
  const dir = goProgramDir(options.cacheRoot, program);
  const wanted = options.only ?? Object.keys(program.binaries);
  const missing: string[] = [];
  for (const name of wanted) {
    if (!(name in program.binaries)) throw new Error(`${program.label} has no binary \`${name}\``);
    if (!(await isExecutable(join(dir, name)))) missing.push(name);
  }
  if (missing.length === 0) return dir;

  const env = { ...(options.env ?? process.env), ...BUILD_ENV };
  const what = `${program.label} ${program.version}`;
  if (!(await isOnPath('go', env)))
    throw new InfrastructureError('GoMissing', `building ${what} needs Go, and \`go\` is not on PATH`, {
      hint: `install Go 1.24 or newer (https://go.dev/dl/), or put ${missing.join(', ')} built from ${what} in ${dir}`,
    });
  const count = missing.length === 1 ? '' : `${missing.length} binaries, `;
  await options.status.phase(`Building ${what} (${count}once; cached in ${dir})`, async () => {
    try {
      await mkdir(dir, { recursive: true });
      const build =
        program.source.kind === 'install' ? installBinary : moduleBuilder(program, dir, env, options);
      for (const [index, name] of missing.entries()) {
        if (missing.length > 1) options.status.update?.(`${name} (${index + 1}/${missing.length})`);
        await build(program, name, dir, env, options.signal);
      }
    } catch (error) {
      throw new InfrastructureError('GoBuildFailed', `building ${what} failed`, { cause: error });
    }
  });
  return dir;
}

type BinaryBuild = (
  program: GoProgram,
  name: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
) => Promise<void>;

/** The flags every `go build` and `go install` gets: reproducible paths, the program's tags and ldflags. */
export function goBuildFlags(program: GoProgram): string[] {
  return [
    '-trimpath',
    ...(program.tags?.length ? ['-tags', program.tags.join(',')] : []),
    '-ldflags',
    program.ldflags,
  ];
}

/** `go install PACKAGE@VERSION` into a directory of its own, then the binary moves in place. */
const installBinary: BinaryBuild = async (program, name, dir, env, signal) => {
  const staging = join(dir, `.install-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    const args = ['install', ...goBuildFlags(program), `${program.binaries[name]}@${program.version}`];
    await go(args, { env: { ...env, GOBIN: staging }, signal });
    await rename(join(staging, name), join(dir, name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
};

/** Writes the wrapper module once (in the version's directory, shared by its keys), then builds in it. */
function moduleBuilder(
  program: GoProgram,
  dir: string,
  env: NodeJS.ProcessEnv,
  options: GoBuildOptions,
): BinaryBuild {
  const source = program.source;
  if (source.kind !== 'module') throw new Error(`${program.label} is not built in a wrapper module`);
  const moduleDir = join(dir, '..', 'module');
  let written: Promise<void> | undefined;
  const writeModule = async () => {
    await mkdir(moduleDir, { recursive: true });
    const goCommand: GoCommand = async (args) =>
      (await go(args, { env, signal: options.signal, cwd: moduleDir })).stdout;
    await writeFile(join(moduleDir, 'go.mod'), await source.goMod(goCommand));
  };
  return async (_program, name, _dir, buildEnv, signal) => {
    await (written ??= writeModule());
    const target = join(dir, name);
    const args = ['build', ...goBuildFlags(program), '-o', `${target}.tmp`, program.binaries[name]!];
    await go(args, { env: buildEnv, signal, cwd: moduleDir });
    await rename(`${target}.tmp`, target);
  };
}

/** `go …` under `nice`: builds of minutes must not starve the rest of the machine. */
function go(
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal; cwd?: string },
) {
  return runCommand('nice', ['-n', '10', 'go', ...args], options);
}
