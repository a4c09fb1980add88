"""Test namespaces: unique names, labels that say who made them, an expiry ``incluster sweep`` honours.

Creation is one API call; deletion is fired without waiting for the namespace to go. Every namespace
this process creates is remembered until it is deleted, so the session's end, ``atexit`` and SIGTERM
delete what an interrupted run left; a killed process leaves it to its expiry and ``sweep``.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import secrets
import signal
import string
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from .kube import InfrastructureError, describe_api_error
from .ownership import (
    EXPIRES_AT_ANNOTATION,
    RUN_ID_LABEL,
    TEST_ID_LABEL,
    TEST_NAME_ANNOTATION,
    iso_time,
    label_value,
    managed_by_labels,
    new_run_id,
)

if TYPE_CHECKING:
    from .helm import HelmRelease
    from .manifests import Manifests
    from .port_forward import PortForward

RUN_ID = label_value(os.environ.get("INCLUSTER_RUN_ID") or new_run_id())
"""This process's run id: INCLUSTER_RUN_ID when the runner set one, else made up once per process."""


@dataclass(frozen=True)
class Workspace:
    """What deploying into a namespace needs: the client, where relative paths start, how long to wait."""

    api: client.ApiClient
    root: Path
    timeout: float


@dataclass(frozen=True)
class TestNamespace:
    """A created namespace and its identity labels; what is applied or installed into it goes with it."""

    __test__ = False  # not a test class, whatever pytest's python_classes say

    name: str
    run_id: str
    test_id: str
    expires_at: datetime
    workspace: Workspace | None = field(default=None, repr=False, compare=False)

    def _workspace(self) -> Workspace:
        if self.workspace is None:
            raise RuntimeError(f"namespace {self.name} was made without a client to deploy with")
        return self.workspace

    def apply(self, manifests: Manifests, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """Applies files, directories, kustomizations, YAML text or dicts here; waits until all is ready."""
        from .apply import apply_and_wait  # noqa: PLC0415  (the namespace module stays light)

        work = self._workspace()
        return apply_and_wait(work.api, manifests, self.name, root=work.root, timeout=timeout or work.timeout)

    def install_chart(
        self,
        chart: str | Path,
        *,
        release: str | None = None,
        values: Sequence[str | Path] = (),
        set_values: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> HelmRelease:
        """Installs a Helm chart here (``helm upgrade --install --wait``); it goes with the namespace."""
        from .helm import install_chart  # noqa: PLC0415

        work = self._workspace()
        return install_chart(
            work.api,
            self.name,
            chart,
            root=work.root,
            release=release,
            values=values,
            set_values=set_values,
            timeout=timeout or max(work.timeout, 180.0),
        )

    def port_forward(
        self, port: int | str, *, service: str | None = None, pod: str | None = None
    ) -> AbstractContextManager[PortForward]:
        """A context manager forwarding a local port to a Service or pod of this namespace."""
        from .port_forward import port_forward_to  # noqa: PLC0415

        return port_forward_to(self._workspace().api, self.name, port, service=service, pod=pod)


_tracked: dict[str, client.ApiClient] = {}
_lock = threading.Lock()
_hooks_installed = False


def namespace_name_for(test_name: str, suffix: str | None = None) -> str:
    """``test_orders[bad-id]`` -> ``test-orders-bad-id-x7k2p9``: a DNS label of at most 63 characters."""
    suffix = suffix or "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(6))
    room = 63 - len(suffix) - 1
    slug = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).lstrip("-")[:room].rstrip("-")
    head = slug if re.match(r"^[a-z]", slug) else f"t-{slug}"[:room].rstrip("-")
    return f"{head}-{suffix}"


def create_test_namespace(
    api: client.ApiClient,
    test_name: str,
    *,
    test_id: str | None = None,
    ttl_seconds: float = 3600,
    labels: dict[str, str] | None = None,
    full_name: str | None = None,
    workspace: Workspace | None = None,
) -> TestNamespace:
    """Creates a labelled, expiring namespace for one test in a single API call and tracks it.

    The name is made from ``test_name``; ``full_name`` (default ``test_name``) is the annotation people read.
    """
    _install_cleanup_hooks()
    ident = label_value(test_id or hashlib.sha256(test_name.encode()).hexdigest()[:16])
    expires_at = datetime.now(timezone.utc) + timedelta(seconds=ttl_seconds)
    core = client.CoreV1Api(api)
    for attempt in range(4):
        name = namespace_name_for(test_name)
        # A plain dict, not the client's model class: a test framework that resets sys.modules (pytest's
        # pytester does) would leave a model class the client's validation no longer recognises.
        body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": managed_by_labels({**(labels or {}), RUN_ID_LABEL: RUN_ID, TEST_ID_LABEL: ident}),
                "annotations": {
                    EXPIRES_AT_ANNOTATION: iso_time(expires_at),
                    TEST_NAME_ANNOTATION: (full_name or test_name)[:1000],
                },
            },
        }
        try:
            core.create_namespace(body)  # type: ignore[arg-type]  # validated as a V1Namespace
        except ApiException as error:
            if error.status == 409 and attempt < 3:  # a name clash gets a fresh suffix
                continue
            raise InfrastructureError(
                f'creating a namespace for test "{test_name}": {describe_api_error(error)}'
            ) from error
        with _lock:
            _tracked[name] = api
        return TestNamespace(name, RUN_ID, ident, expires_at, workspace)
    raise AssertionError("unreachable")  # pragma: no cover


def delete_test_namespace(api: client.ApiClient, name: str) -> None:
    """Asks for the namespace's deletion and returns without waiting for it to go."""
    with _lock:
        _tracked.pop(name, None)
    try:
        client.CoreV1Api(api).delete_namespace(name, propagation_policy="Background")
    except ApiException as error:
        if error.status != 404:
            sys.stderr.write(f"incluster: deleting namespace {name} failed: {describe_api_error(error)}\n")


def keep_test_namespace(name: str) -> None:
    """Stops tracking a namespace kept for inspection: it is left to its expiry and ``sweep``."""
    with _lock:
        _tracked.pop(name, None)


def live_namespaces() -> list[str]:
    """Names of namespaces this process created and has not deleted (nor kept)."""
    with _lock:
        return sorted(_tracked)


def delete_all_created() -> list[str]:
    """Deletes every namespace this process created and still tracks; returns their names."""
    with _lock:
        pending = list(_tracked.items())
    for name, api in pending:
        delete_test_namespace(api, name)
    return [name for name, _ in pending]


def _install_cleanup_hooks() -> None:
    global _hooks_installed  # noqa: PLW0603  (one set of process-wide hooks)
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(delete_all_created)
    # pytest has no SIGTERM handling: the default would end the process with nothing cleaned up.
    # Raised as KeyboardInterrupt, pytest tears the fixtures down (deleting the namespaces) and exits.
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) in (
        signal.SIG_DFL,
        None,
    ):
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise KeyboardInterrupt(f"signal {signum}")
