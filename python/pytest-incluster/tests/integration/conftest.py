"""The integration tests need a cluster: KUBECONFIG (or a service account) must be there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_incluster.kube import running_in_pod


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("KUBECONFIG") or running_in_pod() or Path("~/.kube/config").expanduser().is_file():
        return
    skip = pytest.mark.skip(reason="no cluster credentials (set KUBECONFIG)")
    for item in items:
        item.add_marker(skip)
