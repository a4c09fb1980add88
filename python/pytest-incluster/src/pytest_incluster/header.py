"""pytest's report header: the cluster, kubeconfig context and namespace the fixtures will use.

Read from the kubeconfig the client will load (no API call: a header must not wait for a cluster),
or the pod's service account inside ``incluster run``.
"""

from __future__ import annotations

import os

import pytest

from .kube import running_in_pod
from .settings import resolve_settings


def report_header(config: pytest.Config) -> list[str]:
    """``incluster: cluster floe-test (context kind-floe-test, https://...), services in floe-test``."""
    try:
        settings = resolve_settings(config)
    except pytest.UsageError as error:
        return [f"incluster: {error}"]
    where = f"services in namespace {settings.namespace}"
    if running_in_pod():
        run = os.environ.get("INCLUSTER_RUN_NAMESPACE")
        return [f"incluster: in-cluster (service account{f' of {run}' if run else ''}), {where}"]
    try:
        from kubernetes import config as kubeconfig  # noqa: PLC0415

        contexts, current = kubeconfig.list_kube_config_contexts()
    except Exception as error:
        return [f"incluster: no usable kubeconfig ({type(error).__name__}: {error}), {where}"]
    name = settings.context or (current or {}).get("name")
    chosen = next((c for c in contexts if c.get("name") == name), None)
    if chosen is None:
        return [f"incluster: context {name} is not in the kubeconfig, {where}"]
    cluster = (chosen.get("context") or {}).get("cluster", "?")
    source = os.environ.get("KUBECONFIG") or "~/.kube/config"
    return [f"incluster: cluster {cluster} (context {name}, kubeconfig {source}), {where}"]
