"""Waits judge every change a watch brings, relist after 410 Gone, fail fast and explain timeouts."""

from __future__ import annotations

from types import SimpleNamespace as NS
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from pytest_incluster import wait
from pytest_incluster.conditions import pod_doom
from pytest_incluster.wait import Condition, Verdict, WaitImpossible, WaitTimeout, wait_for

pytestmark = pytest.mark.requirement("001-FR-095")


def obj(name: str, rv: str, **fields: Any) -> NS:
    return NS(metadata=NS(name=name, resource_version=rv), **fields)


class FakeWatch:
    """Replays scripted streams: a list of events, or an exception to raise."""

    scripts: list[Any] = []
    calls: list[dict[str, Any]] = []

    def stream(self, fn: Any, **kwargs: Any):
        FakeWatch.calls.append(kwargs)
        script = FakeWatch.scripts.pop(0) if FakeWatch.scripts else []
        if isinstance(script, Exception):
            raise script
        yield from script

    def stop(self) -> None:
        pass


@pytest.fixture
def fake_watch(monkeypatch: pytest.MonkeyPatch) -> type[FakeWatch]:
    FakeWatch.scripts, FakeWatch.calls = [], []
    monkeypatch.setattr(wait.watch, "Watch", FakeWatch)
    return FakeWatch


def phase_condition(listings: list[list[NS]], want: str = "Ready") -> Condition:
    def list_fn(**_: Any) -> NS:
        items = listings.pop(0) if listings else []
        return NS(items=items, metadata=NS(resource_version="10"))

    def judge(objects: dict[str, Any]) -> Verdict:
        item = objects.get("a")
        state = item.phase if item else "not found"
        return Verdict(state == want, state, "it broke" if state == "Broken" else None)

    return Condition("thing a to be Ready", list_fn, judge, events=lambda: ["Warning BackOff Pod/a: pulling"])


def test_done_at_once_when_the_list_satisfies(fake_watch: type[FakeWatch]) -> None:
    objects = wait_for(phase_condition([[obj("a", "5", phase="Ready")]]), timeout=5)
    assert objects["a"].phase == "Ready"
    assert fake_watch.calls == []


def test_watches_from_the_lists_resource_version_until_satisfied(fake_watch: type[FakeWatch]) -> None:
    fake_watch.scripts = [
        [
            {"type": "MODIFIED", "object": obj("a", "11", phase="Starting")},
            {"type": "MODIFIED", "object": obj("a", "12", phase="Ready")},
        ]
    ]
    objects = wait_for(phase_condition([[obj("a", "5", phase="Pending")]]), timeout=5)
    assert objects["a"].phase == "Ready"
    assert fake_watch.calls[0]["resource_version"] == "10"


def test_a_410_relists(fake_watch: type[FakeWatch]) -> None:
    fake_watch.scripts = [ApiException(status=410, reason="Gone")]
    condition = phase_condition([[obj("a", "5", phase="Pending")], [obj("a", "20", phase="Ready")]])
    assert wait_for(condition, timeout=5)["a"].phase == "Ready"


def test_an_impossible_condition_fails_at_once(fake_watch: type[FakeWatch]) -> None:
    fake_watch.scripts = [[{"type": "MODIFIED", "object": obj("a", "11", phase="Broken")}]]
    with pytest.raises(WaitImpossible, match=r"thing a to be Ready: cannot succeed after .*s: it broke"):
        wait_for(phase_condition([[obj("a", "5", phase="Pending")]]), timeout=30)


def test_a_timeout_says_what_was_last_seen_and_the_events(
    fake_watch: type[FakeWatch], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([0.0, 0.0, 0.5, 2.0, 2.0, 2.0, 2.0])
    monkeypatch.setattr(wait.time, "monotonic", lambda: next(clock))
    fake_watch.scripts = [[{"type": "MODIFIED", "object": obj("a", "11", phase="Starting")}]]
    with pytest.raises(WaitTimeout) as caught:
        wait_for(phase_condition([[obj("a", "5", phase="Pending")]]), timeout=1)
    message = str(caught.value)
    assert message.startswith("timed out after 2.0s waiting for thing a to be Ready; last seen: Starting")
    assert "Warning BackOff Pod/a: pulling" in message
    assert caught.value.last_state == "Starting"


def test_doomed_pods_are_recognised() -> None:
    waiting = NS(reason="ImagePullBackOff", message="Back-off pulling image x")
    pod = NS(
        metadata=NS(name="web"),
        status=NS(
            phase="Pending",
            init_container_statuses=None,
            container_statuses=[NS(name="app", state=NS(waiting=waiting))],
        ),
    )
    assert pod_doom(pod) == "container web/app: ImagePullBackOff: Back-off pulling image x"
    pod.status.container_statuses[0].state.waiting = NS(reason="ContainerCreating", message=None)
    assert pod_doom(pod) is None
