"""Named conditions for ``wait_for``, judged as incluster's CLI judges them (``src/kube/conditions.ts``).

Each watches what it needs, including a workload's pods, so a doomed rollout is reported at once:
a pod that cannot pull its image, is misconfigured, crash-loops or stays unschedulable past its
grace fails the wait (``pod_judgement.py``). ``resource_matches`` waits for any object, custom
resources included, to satisfy a predicate on its dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from kubernetes import client

from .objects import (
    KubeObject,
    condition_of,
    describe_container_state,
    metadata,
    object_ref,
    spec_of,
    status_of,
)
from .observation import Impossible, Met, Pending, Verdict, View
from .pod_judgement import (
    UNSCHEDULABLE_GRACE,
    job_failure,
    job_succeeded,
    stuck_container,
    unschedulable_since,
)
from .resources import WELL_KNOWN, Source
from .wait import Condition, Subject

Readiness = Literal["ready", "progressing"] | Impossible
PodJudge = Callable[[KubeObject, View], Verdict[Any] | None]


def pod_judge(grace: float = UNSCHEDULABLE_GRACE) -> PodJudge:
    """Judges a pod that is not ready yet: doomed (Impossible), unschedulable for now, or None."""
    first_seen: dict[str, float] = {}

    def judge(pod: KubeObject, view: View) -> Verdict[Any] | None:
        stuck = stuck_container(pod)
        if stuck is not None:
            container = stuck.container
            last = (container.get("lastState") or {}).get("terminated")
            previous = f"; last run: {describe_container_state(container.get('lastState'))}" if last else ""
            state = describe_container_state(container.get("state"))
            message = f"{object_ref(pod)} container {container.get('name')} is {state}{previous}"
            return Impossible(stuck.reason, message, pod)
        key = str(metadata(pod).get("name") or "")
        spell = unschedulable_since(pod, view.now, first_seen.get(key))
        if spell is None:
            first_seen.pop(key, None)
            return None
        first_seen.setdefault(key, view.now)
        since, why = spell
        waited = view.now - since
        if waited >= grace:
            return Impossible("Unschedulable", f"{object_ref(pod)} cannot be scheduled: {why}", pod)
        return Pending("unschedulable", recheck_in=grace - waited)

    return judge


def first_doomed_pod(pods: list[dict[str, Any]], view: View, judge: PodJudge) -> Verdict[Any] | None:
    """The first pod judged impossible, else the first pending judgement (a recheck), else None."""
    pending: Verdict[Any] | None = None
    for pod in pods:
        verdict = judge(pod, view)
        if isinstance(verdict, Impossible):
            return verdict
        if verdict is not None and pending is None:
            pending = verdict
    return pending


def _missing(view: View, ref: str) -> Verdict[Any]:
    if view.deleted_after_seen("object"):
        return Impossible("Deleted", f"{ref} was deleted")
    return Pending(f"{ref} does not exist yet")


def _single(
    api: client.ApiClient,
    source: Source,
    kind: str,
    description: str,
    judge: Callable[[dict[str, Any], View], Verdict[Any]],
) -> Condition[Any]:
    ref = f"{kind} {f'{source.namespace}/' if source.namespace else ''}{source.name}"

    def evaluate(view: View) -> Verdict[Any]:
        obj = view.object("object")
        return judge(obj, view) if obj is not None else _missing(view, ref)

    subject = Subject(kind, source.namespace, source.name)
    return Condition(api, description, subject, {"object": source}, evaluate)


def pod_ready(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[Any]:
    """The pod is Ready. Fails on image pull failure, crash loop, pod failure, unschedulable, deletion."""
    judge = pod_judge(grace)

    def ready(pod: dict[str, Any], view: View) -> Verdict[Any]:
        if (condition_of(pod, "Ready") or {}).get("status") == "True":
            return Met(pod)
        phase = status_of(pod).get("phase")
        if phase in ("Succeeded", "Failed"):
            did = "failed" if phase == "Failed" else "ran to completion"
            reason = "PodFailed" if phase == "Failed" else "PodCompleted"
            return Impossible(reason, f"the pod {did} without becoming Ready", pod)
        return judge(pod, view) or Pending()

    source = Source.of("Pod", namespace, name)
    return _single(api, source, "Pod", f"Pod {namespace}/{name} to be Ready", ready)


def pods_ready(
    api: client.ApiClient,
    namespace: str,
    label_selector: str,
    count: int = 1,
    grace: float = UNSCHEDULABLE_GRACE,
) -> Condition[list[dict[str, Any]]]:
    """At least ``count`` pods matching the selector are Ready; fails when too few still can be."""
    judge = pod_judge(grace)

    def evaluate(view: View) -> Verdict[list[dict[str, Any]]]:
        pods = view.objects("pods")
        ready = [p for p in pods if (condition_of(p, "Ready") or {}).get("status") == "True"]
        if len(ready) >= count:
            return Met(ready)
        verdicts = [judge(p, view) for p in pods]
        doomed = [v for v in verdicts if isinstance(v, Impossible)]
        if doomed and len(pods) - len(doomed) < count:
            return doomed[0]
        return next((v for v in verdicts if isinstance(v, Pending)), Pending(f"{len(ready)}/{count} ready"))

    return Condition(
        api,
        f"{count} pod(s) {label_selector} in {namespace} to be Ready",
        Subject("Pod", namespace),
        {"pods": Source.of("Pod", namespace, labels=label_selector)},
        evaluate,
    )


def _workload(
    api: client.ApiClient,
    kind: str,
    namespace: str,
    name: str,
    description: str,
    rolled_out: Callable[[KubeObject], Readiness],
    grace: float,
) -> Condition[Any]:
    """A workload, watched with its namespace's pods (those its selector selects are judged)."""
    judge = pod_judge(grace)

    def evaluate(view: View) -> Verdict[Any]:
        obj = view.object("object")
        if obj is None:
            return _missing(view, f"{kind} {namespace}/{name}")
        readiness = rolled_out(obj)
        if readiness == "ready":
            return Met(obj)
        if isinstance(readiness, Impossible):
            return readiness
        pods = [pod for pod in view.objects("pods") if selects(obj, pod)]
        return first_doomed_pod(pods, view, judge) or Pending()

    sources = {"object": Source.of(kind, namespace, name), "pods": Source.of("Pod", namespace)}
    return Condition(api, description, Subject(kind, namespace, name), sources, evaluate)


def deployment_available(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[Any]:
    """The Deployment has rolled out: observedGeneration current, every replica updated and available."""
    description = f"Deployment {namespace}/{name} to be Available"
    return _workload(api, "Deployment", namespace, name, description, deployment_rolled_out, grace)


def stateful_set_ready(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[Any]:
    """The StatefulSet has every replica ready at the current revision."""
    description = f"StatefulSet {namespace}/{name} to be ready"
    return _workload(api, "StatefulSet", namespace, name, description, stateful_set_rolled_out, grace)


def daemon_set_ready(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[Any]:
    """The DaemonSet has a ready, updated pod on every node it targets."""
    description = f"DaemonSet {namespace}/{name} to be ready"
    return _workload(api, "DaemonSet", namespace, name, description, daemon_set_rolled_out, grace)


def job_complete(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[Any]:
    """The Job completed; a failed Job fails the wait at once."""
    return _workload(
        api, "Job", namespace, name, f"Job {namespace}/{name} to complete", job_rolled_out, grace
    )


def job_finished(
    api: client.ApiClient, namespace: str, name: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[tuple[bool, dict[str, Any]]]:
    """The Job finished either way: ``(succeeded, job)``. Pods that cannot start still fail the wait."""
    judge = pod_judge(grace)

    def evaluate(view: View) -> Verdict[tuple[bool, dict[str, Any]]]:
        job = view.object("object")
        if job is None:
            return _missing(view, f"Job {namespace}/{name}")
        if job_succeeded(job):
            return Met((True, job))
        if job_failure(job):
            return Met((False, job))
        return first_doomed_pod(view.objects("pods"), view, judge) or Pending()

    sources = {
        "object": Source.of("Job", namespace, name),
        "pods": Source.of("Pod", namespace, labels=f"job-name={name}"),
    }
    return Condition(
        api, f"Job {namespace}/{name} to finish", Subject("Job", namespace, name), sources, evaluate
    )


def service_has_endpoints(
    api: client.ApiClient, namespace: str, name: str, count: int = 1
) -> Condition[list[str]]:
    """The Service has at least ``count`` ready endpoint addresses (from its EndpointSlices)."""

    def evaluate(view: View) -> Verdict[list[str]]:
        if view.object("object") is None:
            return _missing(view, f"Service {namespace}/{name}")
        addresses = [
            address
            for endpoint_slice in view.objects("slices")
            for endpoint in endpoint_slice.get("endpoints") or []
            if (endpoint.get("conditions") or {}).get("ready") is not False
            for address in endpoint.get("addresses") or []
        ]
        if len(addresses) >= count:
            return Met(addresses)
        return Pending(f"{len(addresses) or 'no'} ready endpoints")

    wanted = "ready endpoints" if count == 1 else f"{count} ready endpoints"
    sources = {
        "object": Source.of("Service", namespace, name),
        "slices": Source.of("EndpointSlice", namespace, labels=f"kubernetes.io/service-name={name}"),
    }
    return Condition(
        api,
        f"Service {namespace}/{name} to have {wanted}",
        Subject("Service", namespace, name),
        sources,
        evaluate,
    )


def deleted(
    api: client.ApiClient, kind: str, namespace: str | None, name: str, api_version: str | None = None
) -> Condition[None]:
    """The object no longer exists (already absent counts); ``api_version`` for kinds not well known."""
    version, plural = (api_version, "") if api_version else WELL_KNOWN[kind]
    source = (
        Source(version, plural, namespace, name)
        if plural
        else _source_by_kind(api, version, kind, namespace, name)
    )

    def evaluate(view: View) -> Verdict[None]:
        return Pending() if view.object("object") else Met(None)

    ref = f"{kind} {f'{namespace}/' if namespace else ''}{name}"
    return Condition(
        api, f"{ref} to be deleted", Subject(kind, namespace, name), {"object": source}, evaluate
    )


def namespace_deleted(api: client.ApiClient, name: str) -> Condition[None]:
    """The namespace is gone."""
    return deleted(api, "Namespace", None, name)


def pod_deleted(api: client.ApiClient, namespace: str, name: str) -> Condition[None]:
    """The pod is gone."""
    return deleted(api, "Pod", namespace, name)


def resource_matches(
    api: client.ApiClient,
    group_version: str,
    plural: str,
    namespace: str | None,
    name: str,
    predicate: Callable[[dict[str, Any]], bool],
    description: str | None = None,
) -> Condition[dict[str, Any]]:
    """Any object, custom resources included (``"example.com/v1"``, ``"widgets"``), satisfies ``predicate``.

    The predicate gets the object as a dict (``obj["status"]["phase"]``); the wait fails if the object
    is deleted while waiting.
    """
    source = Source(group_version, plural, namespace, name)
    ref = f"{plural} {f'{namespace}/' if namespace else ''}{name}"

    def judge(obj: dict[str, Any], view: View) -> Verdict[dict[str, Any]]:
        return Met(obj) if predicate(obj) else Pending()

    return _single(api, source, plural, description or f"{ref} to match a predicate", judge)


def resource_condition(
    api: client.ApiClient,
    group_version: str,
    plural: str,
    namespace: str | None,
    name: str,
    condition: str,
    status: str = "True",
) -> Condition[dict[str, Any]]:
    """The object reports ``status.conditions[type=condition].status == status`` (``Ready``...)."""
    ref = f"{plural} {f'{namespace}/' if namespace else ''}{name}"
    return resource_matches(
        api,
        group_version,
        plural,
        namespace,
        name,
        lambda obj: (condition_of(obj, condition) or {}).get("status") == status,
        f"{ref} to have condition {condition}={status}",
    )


def namespace_workloads_ready(
    api: client.ApiClient, namespace: str, grace: float = UNSCHEDULABLE_GRACE
) -> Condition[list[str]]:
    """Every Deployment, StatefulSet, DaemonSet and Job in the namespace is ready (Jobs complete)."""
    judge = pod_judge(grace)
    kinds: list[tuple[str, str, Callable[[KubeObject], Readiness]]] = [
        ("deployments", "Deployment", deployment_rolled_out),
        ("statefulsets", "StatefulSet", stateful_set_rolled_out),
        ("daemonsets", "DaemonSet", daemon_set_rolled_out),
        ("jobs", "Job", job_rolled_out),
    ]

    def evaluate(view: View) -> Verdict[list[str]]:
        waiting_for: list[str] = []
        ready: list[str] = []
        for source, _, rolled_out in kinds:
            for obj in view.objects(source):
                readiness = rolled_out(obj)
                if isinstance(readiness, Impossible):
                    return readiness
                (ready if readiness == "ready" else waiting_for).append(object_ref(obj))
        # Only pods owned by a workload: a test's own bare pod failing is not the namespace's problem.
        owned = [pod for pod in view.objects("pods") if metadata(pod).get("ownerReferences")]
        doomed = first_doomed_pod(owned, view, judge)
        if doomed is not None:
            return doomed
        return Pending(f"waiting for {', '.join(waiting_for)}") if waiting_for else Met(ready)

    sources = {"pods": Source.of("Pod", namespace)}
    sources.update({source: Source.of(kind, namespace) for source, kind, _ in kinds})
    return Condition(
        api,
        f"every workload in namespace {namespace} to be ready",
        Subject("Namespace", namespace),
        sources,
        evaluate,
    )


def deployment_rolled_out(deployment: KubeObject) -> Readiness:
    """Whether a Deployment's current generation is rolled out (ProgressDeadlineExceeded: impossible)."""
    status = status_of(deployment)
    progressing = condition_of(deployment, "Progressing")
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return Impossible(
            "ProgressDeadlineExceeded", f"{object_ref(deployment)} exceeded its progress deadline", deployment
        )
    replicas = spec_of(deployment).get("replicas")
    want = 1 if replicas is None else int(replicas)
    updated = status.get("updatedReplicas") or 0
    if (status.get("observedGeneration") or 0) < (metadata(deployment).get("generation") or 0):
        return "progressing"
    if updated < want or (status.get("replicas") or 0) > updated:  # old pods still terminating
        return "progressing"
    if (status.get("availableReplicas") or 0) < updated:
        return "progressing"
    available = (condition_of(deployment, "Available") or {}).get("status") == "True"
    return "ready" if available or want == 0 else "progressing"


def stateful_set_rolled_out(stateful_set: KubeObject) -> Readiness:
    """Whether a StatefulSet has every replica ready at its update revision."""
    status = status_of(stateful_set)
    replicas = spec_of(stateful_set).get("replicas")
    want = 1 if replicas is None else int(replicas)
    if (status.get("observedGeneration") or 0) < (metadata(stateful_set).get("generation") or 0):
        return "progressing"
    if (status.get("readyReplicas") or 0) < want:
        return "progressing"
    update = status.get("updateRevision")
    if update and status.get("currentRevision") != update and (status.get("updatedReplicas") or 0) < want:
        return "progressing"
    return "ready"


def daemon_set_rolled_out(daemon_set: KubeObject) -> Readiness:
    """Whether a DaemonSet has an updated, ready, available pod on every node it targets."""
    status = status_of(daemon_set)
    if (status.get("observedGeneration") or 0) < (metadata(daemon_set).get("generation") or 0):
        return "progressing"
    want = status.get("desiredNumberScheduled") or 0
    counts = ("updatedNumberScheduled", "numberReady", "numberAvailable")
    return "progressing" if any((status.get(key) or 0) < want for key in counts) else "ready"


def job_rolled_out(job: KubeObject) -> Readiness:
    """A Job is ready when Complete; failed, it is impossible."""
    failed = job_failure(job)
    if failed is not None:
        reason, message = failed
        return Impossible("JobFailed", f"{object_ref(job)}: the Job failed ({reason}: {message})", job)
    return "ready" if (condition_of(job, "Complete") or {}).get("status") == "True" else "progressing"


def selects(workload: KubeObject, pod: KubeObject) -> bool:
    """True when the workload's selector (matchLabels and matchExpressions) selects the pod."""
    selector = spec_of(workload).get("selector")
    if not isinstance(selector, Mapping):
        return False
    labels = metadata(pod).get("labels") or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        value, values, operator = (
            labels.get(expression["key"]),
            expression.get("values") or [],
            expression["operator"],
        )
        if operator == "In" and (value is None or value not in values):
            return False
        if operator == "NotIn" and value is not None and value in values:
            return False
        if operator == "Exists" and value is None:
            return False
        if operator == "DoesNotExist" and value is not None:
            return False
    return True


def _source_by_kind(
    api: client.ApiClient, api_version: str, kind: str, namespace: str | None, name: str
) -> Source:
    from .resources import resource_of  # noqa: PLC0415  (discovery only for kinds not well known)

    return Source(api_version, resource_of(api, api_version, kind=kind).name, namespace, name)
