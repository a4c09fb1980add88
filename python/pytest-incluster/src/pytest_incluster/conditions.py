"""Named conditions for ``wait_for``, each built on ``resource_matches``.

The judgement of doomed pods follows incluster's ``src/kube/pod-judgement.ts``: a container that
cannot pull its image, a crash loop, an invalid config or a Failed pod will not become ready.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubernetes import client

from .wait import Condition, Verdict, bind, events_of

_DOOMED_WAITING = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}


def resource_matches(
    description: str,
    list_fn: Callable[..., Any],
    judge: Callable[[dict[str, Any]], Verdict],
    events: Callable[[], list[str]] | None = None,
) -> Condition:
    """Any condition on any listable kind: the escape hatch the named ones are built from."""
    return Condition(description, list_fn, judge, events)


def describe_pod(pod: Any) -> str:
    """``web-0 Running, ready 0/1, app: waiting CrashLoopBackOff (back-off 10s)``."""
    status = pod.status
    containers = status.container_statuses or []
    ready = sum(1 for c in containers if c.ready)
    parts = [f"{pod.metadata.name} {status.phase}, ready {ready}/{len(pod.spec.containers)}"]
    for container in (status.init_container_statuses or []) + containers:
        state = container.state
        if state and state.waiting:
            detail = f" ({state.waiting.message})" if state.waiting.message else ""
            parts.append(f"{container.name}: waiting {state.waiting.reason}{detail}")
        elif state and state.terminated:
            parts.append(
                f"{container.name}: terminated {state.terminated.reason} ({state.terminated.exit_code})"
            )
    for condition in status.conditions or []:
        if condition.type == "PodScheduled" and condition.status == "False":
            parts.append(f"unschedulable: {condition.message}")
    return ", ".join(parts)


def pod_doom(pod: Any) -> str | None:
    """Why a pod will never become ready, or None while it still may."""
    if pod.status.phase == "Failed":
        return f"pod {pod.metadata.name} failed: {pod.status.reason or describe_pod(pod)}"
    for container in (pod.status.init_container_statuses or []) + (pod.status.container_statuses or []):
        waiting = container.state.waiting if container.state else None
        if waiting and waiting.reason in _DOOMED_WAITING:
            detail = f": {waiting.message}" if waiting.message else ""
            return f"container {pod.metadata.name}/{container.name}: {waiting.reason}{detail}"
    return None


def _is_ready(pod: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def pod_ready(api: client.ApiClient, namespace: str, name: str) -> Condition:
    """The pod exists and is Ready."""
    core = client.CoreV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        pod = objects.get(name)
        if pod is None:
            return Verdict(False, "not found")
        return Verdict(_is_ready(pod), describe_pod(pod), pod_doom(pod))

    return Condition(
        f"pod {namespace}/{name} to be Ready",
        bind(core.list_namespaced_pod, namespace, field_selector=f"metadata.name={name}"),
        judge,
        events_of(api, namespace, name),
    )


def pods_ready(api: client.ApiClient, namespace: str, label_selector: str, count: int = 1) -> Condition:
    """At least ``count`` pods matching the selector are Ready."""
    core = client.CoreV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        pods = list(objects.values())
        ready = [p for p in pods if _is_ready(p)]
        state = "; ".join(describe_pod(p) for p in pods) or "no pods"
        doomed = [d for d in (pod_doom(p) for p in pods) if d]
        impossible = doomed[0] if doomed and len(pods) - len(doomed) < count else None
        return Verdict(len(ready) >= count, state, impossible)

    return Condition(
        f"{count} pod(s) {label_selector} in {namespace} to be Ready",
        bind(core.list_namespaced_pod, namespace, label_selector=label_selector),
        judge,
        events_of(api, namespace),
    )


def deployment_available(api: client.ApiClient, namespace: str, name: str) -> Condition:
    """The Deployment's current generation is rolled out and every replica is available."""
    apps = client.AppsV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        deployment = objects.get(name)
        if deployment is None:
            return Verdict(False, "not found")
        spec, status = deployment.spec, deployment.status
        wanted = spec.replicas if spec.replicas is not None else 1
        available = status.available_replicas or 0
        updated = status.updated_replicas or 0
        observed = (status.observed_generation or 0) >= (deployment.metadata.generation or 0)
        state = f"{available}/{wanted} available, {updated} updated"
        failed = next(
            (
                c.message
                for c in status.conditions or []
                if c.type == "Progressing" and c.status == "False" and c.reason == "ProgressDeadlineExceeded"
            ),
            None,
        )
        return Verdict(observed and available >= wanted and updated >= wanted, state, failed)

    return Condition(
        f"deployment {namespace}/{name} to be available",
        bind(apps.list_namespaced_deployment, namespace, field_selector=f"metadata.name={name}"),
        judge,
        events_of(api, namespace, name),
    )


def service_has_endpoints(api: client.ApiClient, namespace: str, name: str, count: int = 1) -> Condition:
    """The Service has at least ``count`` ready endpoints (from its EndpointSlices)."""
    discovery = client.DiscoveryV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        ready = [
            address
            for endpoint_slice in objects.values()
            for endpoint in endpoint_slice.endpoints or []
            if endpoint.conditions is None or endpoint.conditions.ready is not False
            for address in endpoint.addresses
        ]
        state = f"{len(ready)} ready endpoint(s) in {len(objects)} EndpointSlice(s)"
        return Verdict(len(ready) >= count, state)

    return Condition(
        f"service {namespace}/{name} to have {count} ready endpoint(s)",
        bind(
            discovery.list_namespaced_endpoint_slice,
            namespace,
            label_selector=f"kubernetes.io/service-name={name}",
        ),
        judge,
        events_of(api, namespace, name),
    )


def namespace_deleted(api: client.ApiClient, name: str) -> Condition:
    """The namespace is gone."""
    core = client.CoreV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        namespace = objects.get(name)
        if namespace is None:
            return Verdict(True, "gone")
        return Verdict(False, f"phase {namespace.status.phase}")

    return Condition(
        f"namespace {name} to be deleted",
        bind(core.list_namespace, field_selector=f"metadata.name={name}"),
        judge,
    )


def pod_deleted(api: client.ApiClient, namespace: str, name: str) -> Condition:
    """The pod is gone."""
    core = client.CoreV1Api(api)

    def judge(objects: dict[str, Any]) -> Verdict:
        pod = objects.get(name)
        return Verdict(pod is None, "gone" if pod is None else describe_pod(pod))

    return Condition(
        f"pod {namespace}/{name} to be deleted",
        bind(core.list_namespaced_pod, namespace, field_selector=f"metadata.name={name}"),
        judge,
    )
