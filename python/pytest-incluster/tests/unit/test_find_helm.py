"""find_helm: the helm `incluster up` cached, where the CLI really caches it.

The CLI keeps each Go program under a key of its build inputs (``helm/v<version>/<key>/helm``);
the plugin looked in ``helm/v<version>/bin/helm``, which nothing writes, so the helm_release
fixture found no helm on a host where `incluster up` had built one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_incluster.helm import HELM_VERSION, find_helm
from pytest_incluster.kube import InfrastructureError

pytestmark = pytest.mark.requirement("001-FR-164")


def executable(path: Path, mtime: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    os.utime(path, (mtime, mtime))
    return path


def test_the_newest_complete_build_in_the_cache(tmp_path: Path) -> None:
    version = tmp_path / "helm" / f"v{HELM_VERSION}"
    executable(version / "0123456789abcdef" / "helm", 1_000)
    newest = executable(version / "fedcba9876543210" / "helm", 2_000)
    # A build still being made (its staging directory) is never taken, however new.
    executable(version / ".install-4944" / "helm", 3_000)
    env = {"INCLUSTER_CACHE_DIR": str(tmp_path), "PATH": ""}
    assert find_helm(env) == str(newest)


def test_incluster_helm_wins_and_nothing_found_says_where_it_looked(tmp_path: Path) -> None:
    assert find_helm({"INCLUSTER_HELM": "/opt/helm", "INCLUSTER_CACHE_DIR": str(tmp_path)}) == "/opt/helm"
    with pytest.raises(InfrastructureError, match=r"helm/v[\d.]+/<build key>/helm"):
        find_helm({"INCLUSTER_CACHE_DIR": str(tmp_path), "PATH": ""})
