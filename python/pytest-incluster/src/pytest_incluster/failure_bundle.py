"""The failure bundle of a failed test: events, pod states and container logs of its namespace.

Each collector writes its own file and one failure does not stop the others; what could not be
collected is listed in ``collector-errors.txt``. Every byte written is redacted first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client

from .conditions import describe_pod
from .kube import describe_api_error
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

    pods: list = []

    def read_pods() -> None:
        pods.extend(core.list_namespaced_pod(namespace).items)

    collect("pods", read_pods)
    collect("events", lambda: write("events.txt", "\n".join(events_of(api, namespace)()) + "\n"))
    collect("pod states", lambda: write("pods.txt", "\n".join(describe_pod(p) for p in pods) + "\n"))
    collect(
        "pods.json",
        lambda: write(
            "pods.json",
            json.dumps(
                redactor.redact_data(
                    [
                        {
                            "name": p.metadata.name,
                            "labels": p.metadata.labels,
                            "status": api.sanitize_for_serialization(p.status),
                        }
                        for p in pods
                    ]
                ),
                indent=2,
            ),
        ),
    )
    for pod in pods:
        statuses = (pod.status.init_container_statuses or []) + (pod.status.container_statuses or [])
        for status in statuses:
            if not status.state or not (status.state.running or status.state.terminated):
                continue  # never started: no log to read
            name, container = pod.metadata.name, status.name
            collect(
                f"log {name}/{container}",
                lambda n=name, c=container: write(
                    f"logs/{n}/{c}.log",
                    core.read_namespaced_pod_log(n, namespace, container=c, tail_lines=tail_lines),
                ),
            )
            if status.restart_count or (status.last_state and status.last_state.terminated):
                collect(
                    f"previous log {name}/{container}",
                    lambda n=name, c=container: write(
                        f"logs/{n}/{c}.previous.log",
                        core.read_namespaced_pod_log(
                            n, namespace, container=c, tail_lines=tail_lines, previous=True
                        ),
                    ),
                )
    for file_name, text in (extra or {}).items():
        collect(file_name, lambda f=file_name, t=text: write(f, t))
    if bundle.errors:
        (directory / "collector-errors.txt").write_text("\n".join(bundle.errors) + "\n", encoding="utf-8")
    bundle.files.sort()
    return bundle
