"""A Helm chart installed into a namespace: rendered offline first, then ``helm upgrade --install --wait``.

As incluster's Vitest ``helm`` fixture: the helm ``up`` builds and caches
(``~/.cache/incluster/helm/v<version>/<build key>/helm``), ``$INCLUSTER_HELM``, or ``helm`` on PATH; outside a
pod helm gets the client's own credentials in a file kept only while it runs (0600); a release goes
with its namespace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from kubernetes import client

from .kube import InfrastructureError, running_in_pod

HELM_VERSION = "3.21.4"
"""The helm incluster builds (``src/services/helm.ts``)."""


class ChartError(ValueError):
    """A chart or values that do not render: the user's to fix."""


@dataclass(frozen=True)
class HelmRelease:
    """What was installed where."""

    release: str
    namespace: str
    chart: str


def find_helm(env: Mapping[str, str] = os.environ) -> str:
    """The helm to run, or an error saying how to get one."""
    named = env.get("INCLUSTER_HELM")
    if named:
        return named
    # expanduser, not Path.home(): a runner pod's user may have no home to find.
    cache = Path(env.get("INCLUSTER_CACHE_DIR") or os.path.expanduser("~/.cache/incluster"))
    version_dir = cache / "helm" / f"v{HELM_VERSION}"
    cached = cached_helm(version_dir)
    if cached:
        return str(cached)
    found = shutil.which("helm")
    if found:
        return found
    raise InfrastructureError(
        f"installing a Helm chart needs helm: none at $INCLUSTER_HELM, {version_dir}/<build key>/helm "
        "or on PATH (`incluster up` builds it when the config lists charts)"
    )


def cached_helm(version_dir: Path) -> Path | None:
    """The newest helm incluster built for this version.

    The CLI caches each Go program under a key of its build inputs (``<version>/<key>/helm``,
    ``src/cluster/host/go-build.ts``), which only the CLI computes: any complete build of the
    version will do, the newest first.
    """
    builds = [
        path
        for path in version_dir.glob("*/helm")
        # Not a build still being made (its staging directory starts with a dot).
        if not path.parent.name.startswith(".") and path.is_file() and os.access(path, os.X_OK)
    ]
    return max(builds, key=lambda path: path.stat().st_mtime, default=None)


def release_name(chart: str) -> str:
    """``charts/Web-App.tgz`` -> ``web-app``: a chart's default release name."""
    base = Path(chart).name.removesuffix(".tgz").lower()
    return re.sub(r"[^a-z0-9-]", "-", base).strip("-")[:53] or "chart"


def install_chart(
    api: client.ApiClient,
    namespace: str,
    chart: str | Path,
    *,
    root: Path,
    release: str | None = None,
    values: Sequence[str | Path] = (),
    set_values: Mapping[str, str] | None = None,
    timeout: float = 180.0,
) -> HelmRelease:
    """Renders then installs ``chart`` into ``namespace``, waiting (``--wait``) until it is ready."""
    helm = find_helm()
    chart_path = str(root / chart)
    name = release or release_name(chart_path)
    flags = [arg for path in values for arg in ("--values", str(root / path))]
    flags += [arg for key, value in (set_values or {}).items() for arg in ("--set", f"{key}={value}")]
    with tempfile.TemporaryDirectory(prefix="incluster-helm-") as directory:
        # helm's caches and config in a directory of its own: a runner pod's user has no writable home.
        env = {
            **os.environ,
            **{f"HELM_{kind}_HOME": f"{directory}/{kind.lower()}" for kind in ("CACHE", "CONFIG", "DATA")},
        }
        rendered = _helm(helm, ["template", name, chart_path, "--namespace", namespace, *flags], env)
        if rendered.returncode != 0:
            raise ChartError(
                f"Helm chart {chart_path} (release {name}) does not render: {_first_line(rendered)}"
            )
        access: list[str] = []
        if not running_in_pod():
            kubeconfig = Path(directory) / "kubeconfig"
            kubeconfig.touch(mode=0o600)
            kubeconfig.write_text(yaml.safe_dump(_kubeconfig_of(api)), encoding="utf-8")
            access = ["--kubeconfig", str(kubeconfig)]
        seconds = max(1, int(timeout))
        installed = _helm(
            helm,
            [
                *("upgrade", "--install", name, chart_path, "--namespace", namespace),
                *access,
                *flags,
                *("--wait", "--timeout", f"{seconds}s"),
            ],
            env,
            timeout=timeout + 30,
        )
    if installed.returncode != 0:
        raise InfrastructureError(
            f"Helm release {namespace}/{name} did not become ready: {_first_line(installed)}"
        )
    return HelmRelease(name, namespace, chart_path)


def _helm(
    helm: str, args: list[str], env: Mapping[str, str], timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    run = [helm, *args]  # an argument array, no shell
    return subprocess.run(run, capture_output=True, text=True, timeout=timeout, check=False, env=dict(env))


def _first_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
    return lines[0] if lines else f"exit status {result.returncode}"


def _kubeconfig_of(api: client.ApiClient) -> dict[str, object]:
    """A kubeconfig with the client's own server and credentials (token or client certificate)."""
    configuration = api.configuration
    cluster: dict[str, object] = {"server": configuration.host}
    if configuration.ssl_ca_cert:
        cluster["certificate-authority"] = configuration.ssl_ca_cert
    if not configuration.verify_ssl:
        cluster["insecure-skip-tls-verify"] = True
    user: dict[str, object] = {}
    if configuration.cert_file:
        user["client-certificate"] = configuration.cert_file
    if configuration.key_file:
        user["client-key"] = configuration.key_file
    token = (configuration.api_key or {}).get("authorization") or (configuration.api_key or {}).get(
        "BearerToken"
    )
    if token:
        user["token"] = str(token).removeprefix("Bearer ").strip()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "incluster", "cluster": cluster}],
        "users": [{"name": "incluster", "user": user}],
        "contexts": [{"name": "incluster", "context": {"cluster": "incluster", "user": "incluster"}}],
        "current-context": "incluster",
    }
