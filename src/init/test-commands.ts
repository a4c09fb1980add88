// The commands that run a project's tests, written once for both the Makefile targets and the
// workflow `init` generates, so `make test-unit` and CI's unit job select the same tests, and `make
// test-integration` and CI's in-cluster runs pass the same paths.
import { MIXED_PYTEST_CONFIG } from './python-render.ts';
import type { ProjectLayout } from './project.ts';

/** Where the commands find the tests: the integration and end-to-end directories of a suite. */
export interface TestDirs {
  integration: string;
  e2e: string;
}

/** Which suites run: Vitest's (in `dirs`), pytest's, or both. */
export interface Runners {
  vitest: boolean;
  pytest?: {
    dirs: TestDirs;
    /** The pytest test root (unit tests are the rest of it). */
    root: string;
    /** uv runs pytest in the project's environment; else the active Python's. */
    uv: boolean;
    /** The config of the pytest runner when incluster.config.yaml is Vitest's. */
    config?: string;
  };
}

export const DEFAULT_DIRS: TestDirs = { integration: 'test/integration', e2e: 'test/e2e' };

/** The runners of a project as `init` found it. */
export function runnersOf(layout: ProjectLayout): { dirs: TestDirs; runners: Runners } {
  const python = layout.python;
  return {
    dirs: { integration: layout.integrationDir, e2e: layout.e2eDir },
    runners: {
      vitest: layout.vitest,
      pytest: python && {
        dirs: { integration: python.integrationDir, e2e: python.e2eDir },
        root: python.testRoot,
        uv: python.installer === 'uv',
        config: layout.vitest ? MIXED_PYTEST_CONFIG : undefined,
      },
    },
  };
}

/** The unit test commands: every test but the integration and end-to-end directories, on the host. */
export function vitestUnitCommand(dirs: TestDirs): string {
  return `npx vitest run --exclude '${dirs.integration}/**' --exclude '${dirs.e2e}/**' --passWithNoTests`;
}

/** pytest over the test root without the in-cluster directories; `extra` goes before the paths. */
export function pytestUnitArguments(pytest: NonNullable<Runners['pytest']>): string {
  return `${pytest.root} --ignore=${pytest.dirs.integration} --ignore=${pytest.dirs.e2e}`;
}

export function unitCommands(dirs: TestDirs, runners: Runners): string[] {
  const py = runners.pytest;
  return [
    ...(runners.vitest ? [vitestUnitCommand(dirs)] : []),
    ...(py ? [`${py.uv ? 'uv run pytest' : 'python -m pytest'} ${pytestUnitArguments(py)}`] : []),
  ];
}

/** `incluster run` of each suite over its integration (or end-to-end) directory. */
export function inClusterCommands(dirs: TestDirs, runners: Runners, kind: keyof TestDirs): string[] {
  const py = runners.pytest;
  const run = (config: string | undefined, dir: string) =>
    `npx incluster run${config ? ` --config ${config}` : ''} -- ${dir}`;
  return [
    ...(runners.vitest ? [run(undefined, dirs[kind])] : []),
    ...(py ? [run(py.config, py.dirs[kind])] : []),
  ];
}
