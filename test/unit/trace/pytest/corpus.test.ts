// The pytest corpus (cases.ts): for each case, what `incluster trace` collects statically must equal
// pytest's own collection, case by case. pytest is the oracle (`--collect-only` with a `-p` plugin
// writing each item's node id, line and `iter_markers("requirement")` as JSON), from a cached venv.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../../../src/process/exec.ts';
import { compileIdFormat } from '../../../../src/trace/ids.ts';
import { collectPytest } from '../../../../src/trace/pytest/collect.ts';
import { makeProject } from '../temp-project.ts';
import { PYTEST_CASES, type PytestCase } from './cases.ts';
import { hasPython3, pytestPython } from './pytest-venv.ts';

const ORACLE = `
import json, os

def pytest_configure(config):
    config.addinivalue_line("markers", "requirement(*ids): requirement IDs")
    config.addinivalue_line("markers", "slow: slow")

_modules = []

def pytest_collectreport(report):
    if "::" not in report.nodeid and report.nodeid.endswith(".py"):
        _modules.append(report.nodeid)

def pytest_collection_finish(session):
    items = []
    for item in session.items:
        ids = []
        for marker in item.iter_markers("requirement"):
            values = list(marker.args) + ([marker.kwargs["id"]] if "id" in marker.kwargs else [])
            for value in values:  # as the plugin reads them: a list or tuple names several
                ids.extend(value if isinstance(value, (list, tuple)) else [value])
        items.append({"nodeid": item.nodeid, "line": item.location[1] + 1, "ids": sorted(set(ids))})
    with open(os.environ["INCLUSTER_ORACLE_OUT"], "w") as out:
        json.dump({"rootdir": str(session.config.rootpath), "modules": _modules, "items": items}, out)
`;

interface OracleView {
  rootdir: string;
  modules: string[];
  items: { nodeid: string; line: number; ids: string[] }[];
}

const format = compileIdFormat();
const python3 = await hasPython3();
let python = '';
let pluginDir = '';

async function oracle(root: string, c: PytestCase): Promise<OracleView> {
  const out = join(pluginDir, `${c.name.replace(/\W+/g, '-')}.json`);
  const run = await runCommand(
    python,
    [
      '-m',
      'pytest',
      '--collect-only',
      '-q',
      '-p',
      'no:cacheprovider',
      '-p',
      'incluster_oracle',
      ...(c.paths ?? []),
    ],
    {
      cwd: root,
      allowFailure: true,
      env: {
        ...process.env,
        PYTHONPATH: pluginDir,
        PYTHONDONTWRITEBYTECODE: '1',
        PYTEST_ADDOPTS: '',
        INCLUSTER_ORACLE_OUT: out,
      },
    },
  );
  // 5: nothing collected, which a case may mean.
  if (run.exitCode !== 0 && run.exitCode !== 5)
    throw new Error(`pytest failed (${run.exitCode}):\n${run.stdout}${run.stderr}`);
  return JSON.parse(await readFile(out, 'utf8')) as OracleView;
}

/** Every difference between the trace and pytest's collection, as sentences. */
async function differences(c: PytestCase): Promise<string[]> {
  const root = await makeProject(c.files);
  const collection = await collectPytest({ root, paths: c.paths, format, python });
  const view = await oracle(root, c);
  const diffs: string[] = [];
  const ours = new Map((collection?.tests ?? []).map((t) => [t.nodeid, t]));
  const theirs = new Map(view.items.map((i) => [i.nodeid, i]));
  for (const item of view.items) {
    const mine = ours.get(item.nodeid);
    if (!mine) {
      diffs.push(`pytest collects ${item.nodeid}; the trace does not`);
      continue;
    }
    if (mine.line !== item.line)
      diffs.push(`${item.nodeid}: pytest's line ${item.line}, the trace's ${mine.line}`);
    const ids = mine.tags.filter((t) => format.classify(t) !== 'other').sort();
    if (mine.reported ? !ids.every((id) => item.ids.includes(id)) : ids.join() !== item.ids.join())
      diffs.push(`${item.nodeid}: pytest's IDs [${item.ids.join()}], the trace's [${ids.join()}]`);
  }
  for (const nodeid of ours.keys())
    if (!theirs.has(nodeid)) diffs.push(`the trace counts ${nodeid}; pytest does not collect it`);
  const reported = [...ours.values()].filter((t) => t.reported).map((t) => t.nodeid);
  if (reported.sort().join() !== [...(c.reported ?? [])].sort().join())
    diffs.push(
      `reported as not resolvable: [${reported.join(', ')}], expected [${(c.reported ?? []).join(', ')}]`,
    );
  const modules = view.modules.map((m) => relative(root, join(view.rootdir, m))).sort();
  const files = [...(collection?.files ?? [])].sort();
  if (modules.join() !== files.join())
    diffs.push(`files: pytest [${modules.join(', ')}], the trace [${files.join(', ')}]`);
  return diffs;
}

describe('the pytest corpus against pytest --collect-only', { tags: ['001-FR-099'] }, () => {
  beforeAll(async () => {
    if (!python3) return;
    python = await pytestPython();
    pluginDir = await mkdtemp(join(tmpdir(), 'incluster-pytest-oracle-'));
    await writeFile(join(pluginDir, 'incluster_oracle.py'), ORACLE);
  }, 300_000);

  for (const c of PYTEST_CASES)
    test(c.name, async ({ skip }) => {
      if (!python3) skip('python3 is not on PATH: the pytest corpus needs it to install pytest');
      expect(await differences(c)).toEqual([]);
    });
});
