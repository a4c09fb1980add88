"""The one watch engine: list then watch each source, judge what is seen on every change, settle once.

A port of incluster's ``src/kube/observation.ts``. One thread per source lists, then watches from the
list's resourceVersion (resuming a dropped watch, listing again after 410 Gone) and hands every change
to the caller's thread, which judges the current objects of all sources together once each has
listed. Nothing sleeps or polls: a judgement runs when an event arrives, or at the one moment it
asked to be looked at again (an unschedulable pod's grace running out).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from .resources import Source, list_objects, watch_objects

T = TypeVar("T")
_WATCH_SECONDS = 240  # one watch request; the next resumes from the last version seen


@dataclass(frozen=True)
class Met(Generic[T]):
    """The condition holds; ``value`` is what the wait returns."""

    value: T


@dataclass(frozen=True)
class Pending:
    """Not yet; ``detail`` for people, ``recheck_in`` seconds when time alone may change the verdict."""

    detail: str | None = None
    recheck_in: float | None = None


@dataclass(frozen=True)
class Impossible:
    """The condition can no longer become true: ``reason`` (``ImagePullBackOff``, ``JobFailed``...)."""

    reason: str
    message: str
    obj: Mapping[str, Any] | None = None


Verdict = Met[T] | Pending | Impossible
Settled = Met[T] | Impossible


@dataclass
class _Store:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    synced: bool = False
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)


class View:
    """What a judgement sees: the current objects of each source."""

    def __init__(self, stores: Mapping[str, _Store], started: float) -> None:
        self._stores = stores
        self._started = started

    def objects(self, source: str) -> list[dict[str, Any]]:
        """Current objects of a source (empty before its first list)."""
        return list(self._stores[source].objects.values())

    def object(self, source: str) -> dict[str, Any] | None:
        """The single object of a source watched by name, if it exists."""
        return next(iter(self._stores[source].objects.values()), None)

    def deleted_after_seen(self, source: str) -> bool:
        """True when an object of the source was seen and then deleted while watching."""
        return bool(self._stores[source].deleted)

    @property
    def elapsed(self) -> float:
        """Seconds since the observation started."""
        return time.monotonic() - self._started

    @property
    def now(self) -> float:
        """Wall-clock now (seconds since the epoch), to compare with the API's timestamps."""
        return time.time()


def _key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or ''}/{meta.get('name') or ''}"


class Observation(Generic[T]):
    """Watches ``sources`` and judges them until a verdict is not pending, or ``observe`` runs out."""

    def __init__(
        self,
        api: client.ApiClient,
        sources: Mapping[str, Source],
        judge: Callable[[View], Verdict[T]],
    ) -> None:
        self.api, self.sources, self.judge = api, dict(sources), judge
        self.stores = {name: _Store() for name in sources}
        self._events: queue.Queue[tuple[str, str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since ``observe`` started."""
        return time.monotonic() - self.started

    def current(self) -> dict[str, list[dict[str, Any]]]:
        """What each source currently shows (for failure messages)."""
        return {name: list(store.objects.values()) for name, store in self.stores.items()}

    def observe(self, timeout: float) -> Settled[T] | None:
        """The first verdict that is not pending, or None when ``timeout`` seconds passed first."""
        started = time.monotonic()
        self.started = started
        deadline = started + timeout
        view = View(self.stores, started)
        threads = [
            threading.Thread(target=self._follow, args=(name, source), name=f"watch {name}", daemon=True)
            for name, source in self.sources.items()
        ]
        for thread in threads:
            thread.start()
        recheck: float | None = None
        try:
            while True:
                wait = deadline - time.monotonic()
                if recheck is not None:
                    wait = min(wait, recheck - time.monotonic())
                if wait <= 0 and time.monotonic() >= deadline:
                    return None
                try:
                    name, kind, payload = self._events.get(timeout=max(wait, 0.0))
                    self._apply(name, kind, payload)
                except queue.Empty:
                    pass  # a recheck is due, or the deadline passed (checked above on the next turn)
                if not all(store.synced for store in self.stores.values()):
                    continue
                verdict = self.judge(view)
                if not isinstance(verdict, Pending):
                    return verdict
                recheck = time.monotonic() + verdict.recheck_in if verdict.recheck_in is not None else None
        finally:
            self._stop.set()

    def _apply(self, name: str, kind: str, payload: Any) -> None:
        store = self.stores[name]
        if kind == "error":
            raise payload
        if kind == "listed":
            store.objects = {_key(obj): obj for obj in payload}
            store.synced = True
        elif kind == "DELETED":
            gone = store.objects.pop(_key(payload), None)
            store.deleted[_key(payload)] = gone or payload
        else:
            store.objects[_key(payload)] = payload

    def _follow(self, name: str, source: Source) -> None:
        """Lists, then watches, until stopped; every change goes to the judging thread."""
        version: str | None = None
        try:
            while not self._stop.is_set():
                try:
                    if version is None:
                        items, version = list_objects(self.api, source)
                        self._events.put((name, "listed", items))
                    version = self._watch(name, source, version)
                except ApiException as error:
                    if error.status != 410:
                        raise
                    version = None  # expired: list again
        except Exception as error:
            if not self._stop.is_set():
                self._events.put((name, "error", error))

    def _watch(self, name: str, source: Source, version: str) -> str | None:
        """One watch request from ``version``; returns where the next resumes (None: list again)."""
        for kind, obj in watch_objects(self.api, source, version, _WATCH_SECONDS, self._stop):
            if kind == "ERROR":
                raise ApiException(status=obj.get("code") or 500, reason=obj.get("message"))
            version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
            if kind != "BOOKMARK":
                self._events.put((name, kind, obj))
        return version
