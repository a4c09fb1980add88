"""The failure bundle of a failed test: events, pod states and container logs of its namespace.

Each collector writes its own file and one failure does not stop the others; what could not be
collected is listed in ``collector-errors.txt``. Every byte written is redacted first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client

from .kube import describe_api_error
from .objects import container_statuses, describe_object_state, metadata, name_of
from .redaction import redactor
from .wait import events_of


@dataclass
class FailureBundle:
    """Where the bundle was written, the files in it and what could not be collected."""

    directory: Path
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def write_failure_bundle(
    api: client.ApiClient,
    namespace: str,
    directory: Path,
    extra: dict[str, str] | None = None,
    tail_lines: int = 500,
) -> FailureBundle:
    """Writes the namespace's events, pods and logs (and ``extra`` files) under ``directory``."""
    bundle = FailureBundle(directory)
    directory.mkdir(parents=True, exist_ok=True)
    core = client.CoreV1Api(api)

    def write(name: str, text: str) -> None:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(redactor.redact(text), encoding="utf-8")
        bundle.files.append(name)

    def collect(what: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as error:
            bundle.errors.append(f"{what}: {describe_api_error(error)}")

    pods: list[dict[str, Any]] = []

    def read_pods() -> None:
        pods.extend(api.sanitize_for_serialization(p) for p in core.list_namespaced_pod(namespace).items)

    collect("pods", read_pods)
    collect("events", lambda: write("events.txt", "\n".join(events_of(api, namespace)()) + "\n"))
    states = "\n".join(line for p in pods for line in describe_object_state({"kind": "Pod", **p}))
    collect("pod states", lambda: write("pods.txt", states + "\n"))
    collect(
        "pods.json",
        lambda: write(
            "pods.json",
            json.dumps(
                redactor.redact_data(
                    [
                        {"name": name_of(p), "labels": metadata(p).get("labels"), "status": p.get("status")}
                        for p in pods
                    ]
                ),
                indent=2,
            ),
        ),
    )
    for pod in pods:
        for status in container_statuses(pod):
            state = status.get("state") or {}
            if not (state.get("running") or state.get("terminated")):
                continue  # never started: no log to read
            name, container = name_of(pod), str(status.get("name"))
            collect(
                f"log {name}/{container}", _log_reader(write, core, namespace, name, container, tail_lines)
            )
            if status.get("restartCount") or (status.get("lastState") or {}).get("terminated"):
                previous = _log_reader(write, core, namespace, name, container, tail_lines, previous=True)
                collect(f"previous log {name}/{container}", previous)
    for file_name, text in (extra or {}).items():
        collect(file_name, _writer(write, file_name, text))
    if bundle.errors:
        (directory / "collector-errors.txt").write_text("\n".join(bundle.errors) + "\n", encoding="utf-8")
    bundle.files.sort()
    return bundle


def _log_reader(
    write: Callable[[str, str], None],
    core: client.CoreV1Api,
    namespace: str,
    pod: str,
    container: str,
    tail_lines: int,
    previous: bool = False,
) -> Callable[[], None]:
    suffix = ".previous.log" if previous else ".log"

    def read() -> None:
        log = core.read_namespaced_pod_log(
            pod, namespace, container=container, tail_lines=tail_lines, previous=previous
        )
        write(f"logs/{pod}/{container}{suffix}", str(log))

    return read


def _writer(write: Callable[[str, str], None], name: str, text: str) -> Callable[[], None]:
    return lambda: write(name, text)
