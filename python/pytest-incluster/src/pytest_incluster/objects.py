"""A person-readable account of any object's state, read from its JSON form (a dict).

The same as incluster's ``src/kube/object-state.ts``: what a wait's timeout, an impossible wait and a
failure bundle show (phase, conditions, container states with reasons, replica counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KubeObject = Mapping[str, Any]
"""An object as the API serves it: ``{"apiVersion", "kind", "metadata", "spec", "status"}``."""


def metadata(obj: KubeObject) -> Mapping[str, Any]:
    """The object's metadata (empty when it has none)."""
    value = obj.get("metadata")
    return value if isinstance(value, Mapping) else {}


def name_of(obj: KubeObject) -> str:
    """The object's name ('' when it has none)."""
    return str(metadata(obj).get("name") or "")


def status_of(obj: KubeObject | None) -> Mapping[str, Any]:
    """The object's status (empty before the controller wrote one)."""
    value = obj.get("status") if obj is not None else None
    return value if isinstance(value, Mapping) else {}


def spec_of(obj: KubeObject) -> Mapping[str, Any]:
    """The object's spec (empty when it has none)."""
    value = obj.get("spec")
    return value if isinstance(value, Mapping) else {}


def object_ref(obj: KubeObject) -> str:
    """``Pod ns/name``, ``Node name``."""
    namespace = metadata(obj).get("namespace")
    return f"{obj.get('kind', '?')} {f'{namespace}/' if namespace else ''}{name_of(obj) or '?'}"


def conditions_of(obj: KubeObject | None) -> list[Mapping[str, Any]]:
    """The object's status conditions."""
    conditions = status_of(obj).get("conditions")
    return [c for c in conditions if isinstance(c, Mapping)] if isinstance(conditions, list) else []


def condition_of(obj: KubeObject | None, kind: str) -> Mapping[str, Any] | None:
    """The condition of type ``kind``, if the object reports one."""
    return next((c for c in conditions_of(obj) if c.get("type") == kind), None)


def container_statuses(pod: KubeObject) -> list[Mapping[str, Any]]:
    """Init and app container statuses of a pod."""
    status = status_of(pod)
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def describe_container_state(state: Mapping[str, Any] | None) -> str:
    """``waiting (ImagePullBackOff: Back-off pulling image "x")``, ``terminated (Error, exit 1)``..."""
    if not state:
        return "unknown"
    waiting = state.get("waiting")
    if waiting is not None:
        said = ": ".join(str(p) for p in (waiting.get("reason"), waiting.get("message")) if p)
        return f"waiting ({said or 'no reason'})"
    terminated = state.get("terminated")
    if terminated is not None:
        exit_code = terminated.get("exitCode")
        message = (terminated.get("message") or "").strip()
        parts = [terminated.get("reason"), None if exit_code is None else f"exit {exit_code}", message]
        return f"terminated ({', '.join(str(p) for p in parts if p)})"
    if state.get("running") is not None:
        return "running"
    return "unknown"


_COUNTS = (
    "replicas",
    "readyReplicas",
    "updatedReplicas",
    "availableReplicas",
    "desiredNumberScheduled",
    "numberReady",
    "updatedNumberScheduled",
    "active",
    "succeeded",
    "failed",
)


def describe_object_state(obj: KubeObject) -> list[str]:
    """Several lines describing the object's state, for error messages and bundles."""
    status = status_of(obj)
    generation = metadata(obj).get("generation")
    head: list[str] = []
    if isinstance(status.get("phase"), str):
        head.append(f"phase {status['phase']}")
    head.extend(f"{key}={status[key]}" for key in _COUNTS if isinstance(status.get(key), int))
    replicas = spec_of(obj).get("replicas")
    if isinstance(replicas, int):
        head.append(f"spec.replicas={replicas}")
    observed = status.get("observedGeneration")
    if isinstance(observed, int) and isinstance(generation, int) and observed < generation:
        head.append(f"observedGeneration {observed} < generation {generation}")
    if metadata(obj).get("deletionTimestamp"):
        head.append("being deleted")
    lines = [f"{object_ref(obj)}: {', '.join(head) or 'no status yet'}"]
    conditions = conditions_of(obj)
    if conditions:
        described = []
        for c in conditions:
            why = ": ".join(str(p) for p in (c.get("reason"), c.get("message")) if p)
            described.append(f"{c.get('type')}={c.get('status')}{f' ({why})' if why else ''}")
        lines.append(f"  conditions: {'; '.join(described)}")
    if obj.get("kind") == "Pod":
        for container in container_statuses(obj):
            last = container.get("lastState")
            previous = f"; previous: {describe_container_state(last)}" if last else ""
            state = describe_container_state(container.get("state"))
            restarts = container.get("restartCount") or 0
            lines.append(f"  container {container.get('name')}: {state}, restarts {restarts}{previous}")
    return lines
