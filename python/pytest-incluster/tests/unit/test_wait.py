"""Waits judge every change a watch brings, relist after 410 Gone, fail fast and explain themselves."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from pytest_incluster import observation, wait
from pytest_incluster.conditions import (
    daemon_set_rolled_out,
    deployment_rolled_out,
    job_rolled_out,
    pod_ready,
    stateful_set_rolled_out,
)
from pytest_incluster.observation import Impossible
from pytest_incluster.resources import Source
from pytest_incluster.wait import WaitImpossible, WaitTimeout, wait_for

pytestmark = pytest.mark.requirement("001-FR-095")


def pod(name: str, rv: str, *, ready: bool = False, **status: Any) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv},
        "status": {"phase": "Running", "conditions": conditions, **status},
    }


class Cluster:
    """Scripted lists and watches: each list returns the next listing, each watch the next script."""

    def __init__(self) -> None:
        self.listings: list[list[dict[str, Any]]] = []
        self.watches: list[list[tuple[str, dict[str, Any]]] | Exception] = []
        self.watched_from: list[str] = []
        self.lists = 0

    def list_objects(self, api: Any, source: Source) -> tuple[list[dict[str, Any]], str]:
        self.lists += 1
        return (self.listings.pop(0) if self.listings else []), "10"

    def watch_objects(
        self, api: Any, source: Source, version: str, timeout: int, stop: threading.Event
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        self.watched_from.append(version)
        script = self.watches.pop(0) if self.watches else None
        if isinstance(script, Exception):
            raise script
        if script is None:
            stop.wait()  # an idle watch: nothing changes until the observation ends
            return
        yield from script


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Cluster:
    fake = Cluster()
    monkeypatch.setattr(observation, "list_objects", fake.list_objects)
    monkeypatch.setattr(observation, "watch_objects", fake.watch_objects)
    monkeypatch.setattr(
        wait, "recent_events", lambda api, ns, name=None: [("Warning", "web", "Warning BackOff Pod/web: x")]
    )
    return fake


def test_done_at_once_when_the_list_satisfies(cluster: Cluster) -> None:
    cluster.listings = [[pod("web", "5", ready=True)]]
    assert wait_for(pod_ready(None, "ns", "web"), timeout=5)["metadata"]["name"] == "web"


def test_watches_from_the_lists_resource_version_until_satisfied(cluster: Cluster) -> None:
    cluster.listings = [[pod("web", "5")]]
    cluster.watches = [[("MODIFIED", pod("web", "11")), ("MODIFIED", pod("web", "12", ready=True))]]
    assert wait_for(pod_ready(None, "ns", "web"), timeout=5)["metadata"]["resourceVersion"] == "12"
    assert cluster.watched_from[0] == "10"


def test_a_410_relists(cluster: Cluster) -> None:
    cluster.listings = [[pod("web", "5")], [pod("web", "20", ready=True)]]
    cluster.watches = [ApiException(status=410, reason="Gone")]
    assert wait_for(pod_ready(None, "ns", "web"), timeout=5)["metadata"]["resourceVersion"] == "20"
    assert cluster.lists == 2


def test_a_doomed_pod_fails_the_wait_at_once_naming_its_container(cluster: Cluster) -> None:
    waiting = {"reason": "ImagePullBackOff", "message": "Back-off pulling image x"}
    doomed = pod("web", "11", containerStatuses=[{"name": "app", "state": {"waiting": waiting}}])
    cluster.listings = [[pod("web", "5")]]
    cluster.watches = [[("MODIFIED", doomed)]]
    started = time.monotonic()
    with pytest.raises(WaitImpossible) as caught:
        wait_for(pod_ready(None, "ns", "web"), timeout=30)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith(
        "Pod ns/web to be Ready cannot happen: Pod ns/web container app is waiting "
        "(ImagePullBackOff: Back-off pulling image x)"
    )
    assert "  last observed state:\n    Pod ns/web: phase Running" in message
    assert caught.value.reason == "ImagePullBackOff"


def test_a_pod_unschedulable_past_its_grace_fails_without_another_event(cluster: Cluster) -> None:
    unschedulable = {
        "type": "PodScheduled",
        "status": "False",
        "reason": "Unschedulable",
        "message": "0/1 nodes",
    }
    cluster.listings = [[{**pod("web", "5"), "status": {"phase": "Pending", "conditions": [unschedulable]}}]]
    with pytest.raises(WaitImpossible, match="Pod ns/web cannot be scheduled: 0/1 nodes") as caught:
        wait_for(pod_ready(None, "ns", "web", grace=0.3), timeout=10)
    assert caught.value.reason == "Unschedulable"


def test_a_timeout_names_the_object_the_state_seen_and_the_events(cluster: Cluster) -> None:
    cluster.listings = [[pod("web", "5")]]
    with pytest.raises(WaitTimeout) as caught:
        wait_for(pod_ready(None, "ns", "web"), timeout=0.3)
    message = str(caught.value)
    assert message.startswith("timed out after 0.3s waiting for Pod ns/web to be Ready\n")
    assert "  last observed state:\n    Pod ns/web: phase Running\n      conditions: Ready=False" in message
    assert "recent events:\n    Warning BackOff Pod/web: x" in message
    assert caught.value.object == "Pod ns/web"


def test_a_missing_object_is_waited_for_and_its_deletion_fails_the_wait(cluster: Cluster) -> None:
    cluster.listings = [[pod("web", "5")]]
    cluster.watches = [[("DELETED", pod("web", "6"))]]
    with pytest.raises(WaitImpossible, match="Pod ns/web was deleted"):
        wait_for(pod_ready(None, "ns", "web"), timeout=5)


def workload(kind: str, spec: dict[str, Any], status: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": "w", "namespace": "ns", "generation": 2, **meta},
        "spec": spec,
        "status": status,
    }


@pytest.mark.requirement("001-FR-163")
def test_rollouts_are_judged_as_the_cli_judges_them() -> None:
    available = [{"type": "Available", "status": "True"}]
    done = {
        "observedGeneration": 2,
        "replicas": 2,
        "updatedReplicas": 2,
        "availableReplicas": 2,
        "conditions": available,
    }
    assert deployment_rolled_out(workload("Deployment", {"replicas": 2}, done)) == "ready"
    assert (
        deployment_rolled_out(workload("Deployment", {"replicas": 2}, {**done, "observedGeneration": 1}))
        == "progressing"
    )
    assert (
        deployment_rolled_out(workload("Deployment", {"replicas": 2}, {**done, "replicas": 3}))
        == "progressing"
    )
    stuck = {
        **done,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}],
    }
    assert isinstance(deployment_rolled_out(workload("Deployment", {"replicas": 2}, stuck)), Impossible)
    ready_set = {
        "observedGeneration": 2,
        "readyReplicas": 3,
        "currentRevision": "a",
        "updateRevision": "b",
        "updatedReplicas": 3,
    }
    assert stateful_set_rolled_out(workload("StatefulSet", {"replicas": 3}, ready_set)) == "ready"
    assert (
        stateful_set_rolled_out(workload("StatefulSet", {"replicas": 3}, {**ready_set, "updatedReplicas": 1}))
        == "progressing"
    )
    daemons = {
        "observedGeneration": 2,
        "desiredNumberScheduled": 1,
        "updatedNumberScheduled": 1,
        "numberReady": 1,
    }
    assert daemon_set_rolled_out(workload("DaemonSet", {}, {**daemons, "numberAvailable": 1})) == "ready"
    assert (
        daemon_set_rolled_out(workload("DaemonSet", {}, {**daemons, "numberAvailable": 0})) == "progressing"
    )
    failing = {
        "conditions": [
            {
                "type": "FailureTarget",
                "status": "True",
                "reason": "BackoffLimitExceeded",
                "message": "1 failed",
            }
        ]
    }
    failed = job_rolled_out(workload("Job", {}, failing))
    assert isinstance(failed, Impossible)
    assert failed.message == "Job ns/w: the Job failed (BackoffLimitExceeded: 1 failed)"
    assert (
        job_rolled_out(workload("Job", {}, {"conditions": [{"type": "Complete", "status": "True"}]}))
        == "ready"
    )
