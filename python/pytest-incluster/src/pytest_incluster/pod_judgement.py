"""The one judgement of pods and Jobs that cannot get where they are going, as the CLI judges them.

A port of incluster's ``src/kube/pod-judgement.ts``: a container whose waiting reason means it will not
start without someone changing something, a pod unschedulable past its grace, a pod the kubelet
evicted or whose deadline passed, a Job that failed. The waits ask here, so the plugin and the CLI
never disagree about what "doomed" means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .objects import KubeObject, condition_of, container_statuses, status_of

UNSCHEDULABLE_GRACE = 15.0
"""Seconds a pod may stay unschedulable before it is judged doomed (a freed node needs a moment)."""

FatalCause = Literal["image", "configuration", "crash"]

FATAL_WAITING_REASONS: Mapping[str, FatalCause] = {
    "ErrImagePull": "image",
    "ImagePullBackOff": "image",
    "ErrImageNeverPull": "image",
    "InvalidImageName": "image",
    "CreateContainerConfigError": "configuration",
    "CreateContainerError": "configuration",
    "RunContainerError": "configuration",
    "CrashLoopBackOff": "crash",
}
"""Waiting reasons after which a container does not start unless someone changes something."""

# A configuration failure the kubelet retries and gets past by itself (its Secret and ConfigMap caches
# not synced yet, a runtime call that timed out on a busy node); anything else stays fatal.
_PASSING_CONFIGURATION_FAILURE = re.compile(
    r"failed to sync (secret|configmap) cache|context deadline exceeded|timed out waiting for the condition",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StuckContainer:
    """A container stuck for good: its status, why, and the kubelet's words."""

    container: Mapping[str, Any]
    reason: str
    cause: FatalCause
    message: str | None


def stuck_container(pod: KubeObject, only: str | None = None) -> StuckContainer | None:
    """The first container of ``pod`` (or the one named ``only``) that waits for a fatal reason."""
    for container in container_statuses(pod):
        if only is not None and container.get("name") != only:
            continue
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        cause = FATAL_WAITING_REASONS.get(reason) if isinstance(reason, str) else None
        message = waiting.get("message")
        if cause == "configuration" and _PASSING_CONFIGURATION_FAILURE.search(message or ""):
            continue
        if isinstance(reason, str) and cause is not None:
            return StuckContainer(container, reason, cause, message)
    return None


def pod_ended_by_kubelet(pod: KubeObject) -> tuple[str, str] | None:
    """``(reason, message)`` of a pod the kubelet ended (Evicted, DeadlineExceeded), else None."""
    status = status_of(pod)
    if status.get("reason") == "Evicted":
        return "Evicted", str(status.get("message") or "no message")
    if status.get("reason") == "DeadlineExceeded":
        return "DeadlineExceeded", str(status.get("message") or "it ran past its deadline")
    return None


def unschedulable_since(
    pod: KubeObject, now: float, first_seen: float | None = None
) -> tuple[float, str] | None:
    """``(since, message)`` while unschedulable: the earlier of ``first_seen`` and the transition."""
    scheduled = condition_of(pod, "PodScheduled")
    if scheduled is None or scheduled.get("status") != "False" or scheduled.get("reason") != "Unschedulable":
        return None
    seen = now if first_seen is None else first_seen
    transition = _timestamp(scheduled.get("lastTransitionTime"))
    since = seen if transition is None else min(seen, transition)
    return since, str(scheduled.get("message") or "no reason given")


def job_failure(job: KubeObject | None) -> tuple[str, str] | None:
    """``(reason, message)`` of the first condition saying the Job failed, or None while it has not."""
    # Since Kubernetes 1.31 the controller sets FailureTarget at once and Failed only after it has
    # terminated the pods; the first is the moment to react.
    for kind in ("FailureTarget", "Failed"):
        condition = condition_of(job, kind)
        if condition is not None and condition.get("status") == "True":
            return str(condition.get("reason") or "JobFailed"), str(
                condition.get("message") or "the Job failed"
            )
    return None


def job_succeeded(job: KubeObject) -> bool:
    """The Job reports success."""
    return any(
        (condition_of(job, kind) or {}).get("status") == "True" for kind in ("Complete", "SuccessCriteriaMet")
    )


def _timestamp(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
