"""pytest -n (xdist) with the plugin: namespaces per test, one evidence file, shards, bundle pointers."""

from __future__ import annotations

import json

import pytest
from kubernetes import client

from cluster_helpers import deleted_or_deleting

pytestmark = pytest.mark.requirement("001-FR-170")

INNER = """
import os
import pytest

def record(line):
    with open(os.environ["OUT"], "a") as out:
        out.write(line + "\\n")

@pytest.mark.requirement("001-FR-001")
@pytest.mark.parametrize("n", range(4))
def test_namespaced(test_namespace, n):
    record(f"{os.environ.get('PYTEST_XDIST_WORKER')} {test_namespace.name}")
    assert n != 3, "broken on purpose"
"""


def test_workers_and_shards_share_nothing_and_report_everything(
    pytester: pytest.Pytester, k8s_client: client.ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_inner=INNER)
    out = pytester.path / "out.txt"
    monkeypatch.setenv("OUT", str(out))
    evidence = {}
    outputs = []
    for shard in ("1/2", "2/2"):
        path = pytester.path / f"evidence-{shard[0]}.json"
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            f"--shard={shard}",
            f"--incluster-evidence={path}",
            "-o",
            f"incluster_artifacts={pytester.path / 'artifacts'}",
        )
        outputs.append(result.stdout.str())
        evidence[shard] = {t["fullName"]: t["outcome"] for t in json.loads(path.read_text())["tests"]}
    assert set(evidence["1/2"]).isdisjoint(evidence["2/2"])
    everything = {**evidence["1/2"], **evidence["2/2"]}
    assert everything == {f"test_namespaced[{n}]": "failed" if n == 3 else "passed" for n in range(4)}
    runs = [line.split() for line in out.read_text().splitlines()]
    assert {worker for worker, _ in runs} == {"gw0", "gw1"}
    namespaces = [name for _, name in runs]
    assert len(set(namespaces)) == 4
    # The controller prints where the failed test's bundle is, whichever worker ran it.
    assert any("incluster: failure bundle of test_inner.py::test_namespaced[3]: " in o for o in outputs), (
        outputs
    )
    assert all(deleted_or_deleting(k8s_client, name) for name in namespaces)
