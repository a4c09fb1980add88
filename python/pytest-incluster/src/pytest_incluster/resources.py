"""Any kind of object, by group, version and plural or by apiVersion and kind, as plain dicts.

Built on the official client's ``DynamicClient`` (its discovery finds the resource path and whether it
is namespaced), so core kinds, workloads and custom resources are listed, watched, applied and
deleted the same way, and everything above this module reads the JSON form the CLI reads.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kubernetes import client, dynamic
from kubernetes.dynamic.resource import ResourceList

from .kube import InfrastructureError

WELL_KNOWN: dict[str, tuple[str, str]] = {
    "Pod": ("v1", "pods"),
    "Service": ("v1", "services"),
    "ConfigMap": ("v1", "configmaps"),
    "Secret": ("v1", "secrets"),
    "Namespace": ("v1", "namespaces"),
    "Node": ("v1", "nodes"),
    "Event": ("v1", "events"),
    "PersistentVolumeClaim": ("v1", "persistentvolumeclaims"),
    "Deployment": ("apps/v1", "deployments"),
    "StatefulSet": ("apps/v1", "statefulsets"),
    "DaemonSet": ("apps/v1", "daemonsets"),
    "ReplicaSet": ("apps/v1", "replicasets"),
    "Job": ("batch/v1", "jobs"),
    "CronJob": ("batch/v1", "cronjobs"),
    "EndpointSlice": ("discovery.k8s.io/v1", "endpointslices"),
}
"""apiVersion and plural of the kinds the fixtures watch themselves, so they need no discovery."""


@dataclass(frozen=True)
class Source:
    """What one watch lists: a resource (``apps/v1`` ``deployments``), a namespace, a name or labels."""

    api_version: str
    plural: str
    namespace: str | None = None
    name: str | None = None
    label_selector: str | None = None

    @staticmethod
    def of(
        kind: str, namespace: str | None = None, name: str | None = None, labels: str | None = None
    ) -> Source:
        """A source of a well-known kind (``Pod``, ``Deployment``, ...)."""
        api_version, plural = WELL_KNOWN[kind]
        return Source(api_version, plural, namespace, name, labels)

    @property
    def group(self) -> str:
        """The API group ('' for the core group)."""
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]


_clients: weakref.WeakKeyDictionary[client.ApiClient, dynamic.DynamicClient] = weakref.WeakKeyDictionary()
_clients_lock = threading.RLock()


def dynamic_client(api: client.ApiClient) -> dynamic.DynamicClient:
    """One DynamicClient per API client (its discovery is cached)."""
    with _clients_lock:
        found = _clients.get(api)
        if found is None:
            found = dynamic.DynamicClient(api)
            _clients[api] = found
        return found


def resource_of(
    api: client.ApiClient, api_version: str, *, kind: str | None = None, plural: str | None = None
) -> Any:
    """The discovered resource of ``kind`` or ``plural`` in ``api_version``; a clear error when unknown."""
    group, _, version = api_version.rpartition("/")
    search: dict[str, str] = {"api_version": version}
    if group:
        search["group"] = group
    if kind is not None:
        search["kind"] = kind
    with _clients_lock:  # discovery fills one cache (and its file); the watch threads share it
        # Filtered here: the discoverer's own search by name misses groups it has not loaded yet.
        found = [
            resource
            for resource in dynamic_client(api).resources.search(**search)
            if not isinstance(resource, ResourceList)
            and resource.group == group
            and (plural is None or resource.name == plural)
        ]
    if not found:
        what = kind or plural
        raise InfrastructureError(
            f"the cluster serves no {what} in {api_version} (is its CustomResourceDefinition installed?)"
        )
    return found[0]


def _selectors(source: Source) -> dict[str, str]:
    selectors: dict[str, str] = {}
    if source.name is not None:
        selectors["field_selector"] = f"metadata.name={source.name}"
    if source.label_selector:
        selectors["label_selector"] = source.label_selector
    return selectors


def list_objects(api: client.ApiClient, source: Source) -> tuple[list[dict[str, Any]], str]:
    """The source's objects as dicts, and the list's resourceVersion to watch from."""
    resource = resource_of(api, source.api_version, plural=source.plural)
    namespace = source.namespace if resource.namespaced else None
    listing = dynamic_client(api).get(resource, namespace=namespace, **_selectors(source)).to_dict()
    items = [_with_kind(item, resource) for item in listing.get("items") or []]
    return items, str((listing.get("metadata") or {}).get("resourceVersion") or "")


def watch_objects(
    api: client.ApiClient, source: Source, resource_version: str, timeout: int, stop: threading.Event
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(type, object)`` events from ``resource_version`` until ``timeout`` seconds or ``stop``.

    An ``ERROR`` event's object is the API's Status (a 410 means the version expired: list again).
    """
    from kubernetes import watch  # noqa: PLC0415  (a module with global state; only where watched)

    resource = resource_of(api, source.api_version, plural=source.plural)
    namespace = source.namespace if resource.namespaced else None
    watcher = watch.Watch()
    stopper = threading.Thread(target=lambda: (stop.wait(), watcher.stop()), daemon=True)
    stopper.start()
    try:
        for event in dynamic_client(api).watch(
            resource,
            namespace=namespace,
            resource_version=resource_version,
            timeout=timeout,
            watcher=watcher,
            **_selectors(source),
        ):
            if stop.is_set():
                return
            raw = event.get("raw_object")
            yield str(event.get("type")), _with_kind(raw, resource) if isinstance(raw, dict) else {}
    finally:
        watcher.stop()


def _with_kind(obj: dict[str, Any], resource: Any) -> dict[str, Any]:
    """Items of a list have no kind of their own; the messages name it."""
    obj.setdefault("kind", resource.kind)
    obj.setdefault("apiVersion", resource.group_version)
    return obj
