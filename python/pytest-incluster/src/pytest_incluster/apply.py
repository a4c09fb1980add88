"""Server-side apply of any kind into a namespace, then a wait until what was applied is ready.

As incluster's ``src/kube/apply.ts`` and the Vitest ``deploy`` fixture: one apply per object with the
``incluster`` field manager and force, Namespaces and CRDs first, the namespace filled in for
namespaced objects that name none, incluster's ownership label added; then every workload in the
namespace waited for with the CLI's judgement (``namespace_workloads_ready``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError

from .conditions import namespace_workloads_ready
from .kube import InfrastructureError, describe_api_error
from .manifests import Manifest, ManifestError, Manifests, load_manifests, pull_risks
from .ownership import managed_by_labels
from .resources import dynamic_client, resource_of
from .wait import wait_for

FIELD_MANAGER = "incluster"
_FIRST = {"Namespace": 0, "CustomResourceDefinition": 1}
_EARLY = {"ServiceAccount", "ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding", "Secret", "ConfigMap"}


def _rank(manifest: Manifest) -> int:
    kind = manifest.obj["kind"]
    return _FIRST.get(kind, 2 if kind in _EARLY else 3)


def apply_objects(api: client.ApiClient, manifests: list[Manifest], namespace: str) -> list[dict[str, Any]]:
    """Applies each object (into ``namespace`` where it names none); returns what the server stored."""
    applied: list[dict[str, Any]] = []
    for manifest in sorted(manifests, key=_rank):
        obj = manifest.obj
        resource = resource_of(api, obj["apiVersion"], kind=obj["kind"])
        body = dict(obj)
        meta = dict(body["metadata"])
        meta["labels"] = managed_by_labels(dict(meta.get("labels") or {}))
        if resource.namespaced:
            meta.setdefault("namespace", namespace)
        else:
            meta.pop("namespace", None)
        body["metadata"] = meta
        where = f"{meta['namespace']}/" if meta.get("namespace") else ""
        what = f"{manifest.where}: applying {obj['kind']} {where}{meta['name']}"
        try:
            stored = dynamic_client(api).server_side_apply(
                resource,
                body=body,
                name=meta["name"],
                namespace=meta.get("namespace"),
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
            )
        except (ApiException, DynamicApiError) as error:
            status = getattr(error, "status", None)
            if status in (400, 409, 422):
                raise ManifestError(f"{what}: {describe_api_error(error)}") from None
            raise InfrastructureError(f"{what}: {describe_api_error(error)}") from error
        applied.append(stored.to_dict())
    return applied


def apply_and_wait(
    api: client.ApiClient, manifests: Manifests, namespace: str, *, root: Path, timeout: float
) -> list[dict[str, Any]]:
    """Loads ``manifests``, applies them into ``namespace`` and waits until every workload there is ready."""
    loaded = load_manifests(manifests, root)
    for warning in pull_risks(loaded):  # named before the wait could time out on it
        sys.stderr.write(f"incluster: {warning}\n")
    applied = apply_objects(api, loaded, namespace)
    wait_for(namespace_workloads_ready(api, namespace), timeout=timeout)
    return applied
