"""Watch-based waits: ``wait_for(condition, timeout)`` returns once the condition holds.

A port of incluster's ``src/kube/wait.ts`` over the watch engine (``observation.py``): every change
is judged the moment it arrives, never by polling. A condition that can no longer become true (an
image that cannot be pulled, a crash loop, a failed Job, an unschedulable pod, a deleted object)
fails at once with ``WaitImpossible``; a timeout raises ``WaitTimeout``. Both name the object, the
time waited, the last state seen of what was watched and the recent events, as the CLI's do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from kubernetes import client

from .kube import describe_api_error
from .objects import describe_object_state, metadata
from .observation import Impossible, Met, Observation, Verdict, View
from .resources import Source

T = TypeVar("T")

DEFAULT_TIMEOUT = 120.0
"""Seconds; long enough for an image-free pod start on a busy two-core machine."""


@dataclass(frozen=True)
class Subject:
    """The object a wait is about: named in its errors, and whose events they show."""

    kind: str
    namespace: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} {f'{self.namespace}/' if self.namespace else ''}{self.name or '*'}"


@dataclass(frozen=True)
class Condition(Generic[T]):
    """What to watch (``sources``) and how to judge what is seen (``evaluate``); made by ``conditions``."""

    api: client.ApiClient
    description: str
    """``Pod ns/web to be Ready``."""
    subject: Subject
    sources: Mapping[str, Source]
    evaluate: Callable[[View], Verdict[T]]


class _WaitFailure:
    """What every wait failure carries: the object, the time waited, the state and events seen."""

    object: str
    elapsed: float
    last_state: list[str]
    events: list[str]

    def _details(self, details: tuple[str, float, list[str], list[str]]) -> None:
        self.object, self.elapsed, self.last_state, self.events = details


class WaitTimeout(TimeoutError, _WaitFailure):
    """A wait ran out of time; the message says what was last seen."""

    reason = "WaitTimeout"

    def __init__(self, description: str, details: tuple[str, float, list[str], list[str]]) -> None:
        super().__init__(_render(f"timed out after {details[1]:.1f}s waiting for {description}", details))
        self._details(details)


class WaitImpossible(RuntimeError, _WaitFailure):
    """A wait's condition can no longer become true; ``reason`` says why in one word."""

    def __init__(
        self, description: str, reason: str, message: str, details: tuple[str, float, list[str], list[str]]
    ) -> None:
        headline = f"{description} cannot happen: {message} (after {details[1]:.1f}s)"
        super().__init__(_render(headline, details))
        self.reason = reason
        self._details(details)


def wait_for(condition: Condition[T], timeout: float = DEFAULT_TIMEOUT) -> T:
    """Waits until ``condition`` holds and returns its value; raises WaitTimeout or WaitImpossible."""
    observation: Observation[T] = Observation(condition.api, condition.sources, condition.evaluate)
    verdict = observation.observe(timeout)
    if verdict is None:
        raise WaitTimeout(condition.description, _failure_details(condition, observation))
    if isinstance(verdict, Met):
        return verdict.value
    assert isinstance(verdict, Impossible)
    details = _failure_details(condition, observation, verdict.obj)
    raise WaitImpossible(condition.description, verdict.reason, verdict.message, details)


def _failure_details(
    condition: Condition[Any],
    observation: Observation[Any],
    focus: Mapping[str, Any] | None = None,
) -> tuple[str, float, list[str], list[str]]:
    elapsed = observation.elapsed
    subject = condition.subject
    described: set[str] = set()
    last_state: list[str] = []

    def describe(obj: Mapping[str, Any]) -> None:
        key = f"{obj.get('kind')}/{metadata(obj).get('namespace')}/{metadata(obj).get('name')}"
        if key not in described:
            described.add(key)
            last_state.extend(describe_object_state(obj))

    if focus is not None:
        describe(focus)
    for objects in observation.current().values():
        for obj in objects[:8]:
            describe(obj)
    if not last_state:
        last_state.append(f"{subject}: not seen (it does not exist)")
    events: list[str] = []
    namespace = subject.namespace or (metadata(focus).get("namespace") if focus else None)
    if namespace:
        names = {n for n in (subject.name, metadata(focus).get("name") if focus else None) if n}
        try:
            recent = recent_events(condition.api, str(namespace))
            relevant = [e for e in recent if not names or e[1] in names or e[0] == "Warning"]
            events = [e[2] for e in relevant[-12:]]
        except Exception as error:
            events = [f"(events could not be read: {describe_api_error(error)})"]
    return str(subject), elapsed, last_state, events


def _render(headline: str, details: tuple[str, float, list[str], list[str]]) -> str:
    _, _, last_state, events = details
    lines = [headline, "  last observed state:", *(f"    {line}" for line in last_state)]
    lines.append("  recent events:" if events else "  recent events: none")
    lines.extend(f"    {event}" for event in events)
    return "\n".join(lines)


def recent_events(
    api: client.ApiClient, namespace: str, name: str | None = None
) -> list[tuple[str, str, str]]:
    """The namespace's (or one object's) events, oldest first: ``(type, object name, formatted)``."""
    selector = f"involvedObject.name={name}" if name else None
    items = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector=selector, limit=200).items
    items.sort(key=_event_time)
    return [(str(e.type), str(e.involved_object.name), format_event(e)) for e in items]


def events_of(api: client.ApiClient, namespace: str, name: str | None = None) -> Callable[[], list[str]]:
    """A function listing the recent events of one object (or of the namespace), oldest first."""
    return lambda: [formatted for _, _, formatted in recent_events(api, namespace, name)]


def _event_time(event: Any) -> float:
    moment: datetime | None = event.last_timestamp or event.event_time or event.metadata.creation_timestamp
    return moment.timestamp() if moment else 0.0


def format_event(event: Any) -> str:
    """``Warning Failed Pod/web-0: Error: ErrImagePull (x3)``."""
    involved = event.involved_object
    count = f" (x{event.count})" if event.count and event.count > 1 else ""
    return f"{event.type} {event.reason} {involved.kind}/{involved.name}: {event.message}{count}"
