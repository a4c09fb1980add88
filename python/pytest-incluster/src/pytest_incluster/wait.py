"""Watch-based waits: list, then watch from the list's resourceVersion, judge on every change.

A wait is a condition plus a timeout: ``wait_for(pod_ready(api, ns, "web-0"), timeout=60)``. It never
sleeps to poll: the API server tells it about every change. A dropped watch resumes from the last
resourceVersion, a 410 Gone relists, and a condition that can no longer become true (an image that
cannot be pulled, a crash loop, a failed Job, a deleted object) fails at once. A timeout names the
object, the elapsed time, the last state seen and the object's recent events.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client, watch
from kubernetes.client.exceptions import ApiException

from .kube import describe_api_error


@dataclass(frozen=True)
class Verdict:
    """What a condition makes of the objects it watches."""

    done: bool
    state: str
    """The state seen, for people: ``Pending: ContainerCreating``."""
    impossible: str | None = None
    """Why the condition can no longer become true, when it cannot."""


@dataclass(frozen=True)
class Condition:
    """What to watch and how to judge it."""

    description: str
    """What is waited for: ``pod floe-test/web-0 to be Ready``."""
    list_fn: Callable[..., Any]
    """A client ``list_*`` method with its arguments bound (namespace, field or label selector)."""
    judge: Callable[[dict[str, Any]], Verdict]
    """Judges the objects seen, by name."""
    events: Callable[[], list[str]] | None = None
    """The object's recent events, for a timeout's message."""


class WaitTimeout(TimeoutError):
    """A wait ran out of time; the message says what was last seen."""

    def __init__(self, message: str, last_state: str, elapsed: float) -> None:
        super().__init__(message)
        self.last_state = last_state
        self.elapsed = elapsed


class WaitImpossible(RuntimeError):
    """A wait's condition can no longer become true."""


def wait_for(condition: Condition, timeout: float = 120.0) -> dict[str, Any]:
    """Waits until the condition holds and returns the objects it judged; raises on timeout or doom."""
    started = time.monotonic()
    deadline = started + timeout
    objects: dict[str, Any] = {}
    verdict = Verdict(False, "nothing seen yet")
    resource_version: str | None = None
    while True:
        if resource_version is None:
            listing = condition.list_fn()
            objects = {item.metadata.name: item for item in listing.items}
            resource_version = listing.metadata.resource_version
            verdict = _settle(condition, objects, started)
            if verdict.done:
                return objects
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout(condition, verdict, started)
        stream = watch.Watch()
        try:
            for event in stream.stream(
                condition.list_fn,
                resource_version=resource_version,
                timeout_seconds=max(1, int(remaining)),
                _request_timeout=remaining + 10,
                allow_watch_bookmarks=True,
            ):
                kind, item = event["type"], event["object"]
                if kind == "ERROR":
                    raise _gone_or(item)
                resource_version = item.metadata.resource_version
                if kind == "BOOKMARK":
                    continue
                if kind == "DELETED":
                    objects.pop(item.metadata.name, None)
                else:
                    objects[item.metadata.name] = item
                verdict = _settle(condition, objects, started)
                if verdict.done:
                    return objects
                if time.monotonic() >= deadline:
                    break
        except ApiException as error:
            if error.status != 410:
                raise
            resource_version = None  # expired: list again
        finally:
            stream.stop()


def _gone_or(status: Any) -> ApiException:
    code = status.get("code") if isinstance(status, dict) else getattr(status, "code", None)
    message = status.get("message") if isinstance(status, dict) else getattr(status, "message", str(status))
    return ApiException(status=code or 500, reason=message)


def _settle(condition: Condition, objects: dict[str, Any], started: float) -> Verdict:
    verdict = condition.judge(objects)
    if verdict.impossible:
        elapsed = time.monotonic() - started
        raise WaitImpossible(
            f"waiting for {condition.description}: cannot succeed after {elapsed:.1f}s: {verdict.impossible}"
        )
    return verdict


def _timeout(condition: Condition, verdict: Verdict, started: float) -> WaitTimeout:
    elapsed = time.monotonic() - started
    message = (
        f"timed out after {elapsed:.1f}s waiting for {condition.description}; last seen: {verdict.state}"
    )
    if condition.events is not None:
        try:
            events = condition.events()
        except ApiException as error:
            events = [f"(events unavailable: {describe_api_error(error)})"]
        if events:
            message += "\nrecent events:\n  " + "\n  ".join(events[-5:])
    return WaitTimeout(message, verdict.state, elapsed)


def bind(list_method: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """A client ``list_*`` method with bound arguments; keeps the docstring ``watch`` reads the type from."""

    @functools.wraps(list_method)
    def bound(**more: Any) -> Any:
        return list_method(*args, **kwargs, **more)

    return bound


def events_of(api: client.ApiClient, namespace: str, name: str | None = None) -> Callable[[], list[str]]:
    """A function listing the recent events of one object (or of the namespace), oldest first."""

    def read() -> list[str]:
        selector = f"involvedObject.name={name}" if name else None
        items = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector=selector).items
        items.sort(key=_event_time)
        return [format_event(e) for e in items]

    return read


def _event_time(event: Any) -> float:
    moment = event.last_timestamp or event.event_time or event.metadata.creation_timestamp
    return moment.timestamp() if moment else 0.0


def format_event(event: Any) -> str:
    """``Warning Failed Pod/web-0: Error: ErrImagePull (x3)``."""
    involved = event.involved_object
    count = f" (x{event.count})" if event.count and event.count > 1 else ""
    return f"{event.type} {event.reason} {involved.kind}/{involved.name}: {event.message}{count}"
