"""A local TCP port forwarded to a pod, or to a pod behind a Service, over the API server (no kubectl).

Each local connection gets its own port-forward stream (the official client's
``kubernetes.stream.portforward``), relayed by a thread; a stream's error is kept in ``errors`` for
the message of whatever fails next. ``port_forward_to`` is the context manager; the ``port_forward``
fixture opens as many as a test wants and closes them after it.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import portforward

from .kube import InfrastructureError, describe_api_error
from .objects import condition_of, metadata, name_of, spec_of
from .ownership import label_selector


def _as_dict(api: client.ApiClient, obj: Any) -> dict[str, Any]:
    serialized: dict[str, Any] = api.sanitize_for_serialization(obj)
    return serialized


def service_backend(api: client.ApiClient, namespace: str, service: str, port: int | str) -> tuple[str, int]:
    """A Ready pod behind the Service and the container port its ``port`` (number or name) leads to."""
    core = client.CoreV1Api(api)
    try:
        svc = _as_dict(api, core.read_namespaced_service(service, namespace))
    except ApiException as error:
        raise InfrastructureError(
            f"reading Service {namespace}/{service}: {describe_api_error(error)}"
        ) from error
    selector = spec_of(svc).get("selector")
    if not selector:
        raise InfrastructureError(f"Service {namespace}/{service} has no selector: no pod to forward to")
    ports: list[Mapping[str, Any]] = spec_of(svc).get("ports") or []
    spec_port = next((p for p in ports if port in (p.get("port"), p.get("name"))), None)
    if spec_port is None:
        known = ", ".join(str(p.get("port")) for p in ports) or "none"
        raise InfrastructureError(f"Service {namespace}/{service} has no port {port} (it has {known})")
    listed = core.list_namespaced_pod(namespace, label_selector=label_selector(dict(selector)))
    pods = [_as_dict(api, pod) for pod in listed.items]
    ready = [
        p
        for p in pods
        if not metadata(p).get("deletionTimestamp")
        and (condition_of(p, "Ready") or {}).get("status") == "True"
    ]
    if not ready:
        raise InfrastructureError(f"Service {namespace}/{service}: none of its {len(pods)} pod(s) is Ready")
    pod = ready[0]
    target = spec_port.get("targetPort")
    if target is None:
        return name_of(pod), int(spec_port["port"])
    if isinstance(target, int) or str(target).isdigit():
        return name_of(pod), int(target)
    for container in spec_of(pod).get("containers") or []:
        for container_port in container.get("ports") or []:
            if container_port.get("name") == target:
                return name_of(pod), int(container_port["containerPort"])
    raise InfrastructureError(f"pod {namespace}/{name_of(pod)} has no port named {target!r}")


@dataclass
class PortForward:
    """Forwards ``host:local_port`` to ``pod:port``; ``close()`` stops it and its connections."""

    api: client.ApiClient
    namespace: str
    pod: str
    port: int
    host: str = "127.0.0.1"
    errors: list[str] = field(default_factory=list)
    _server: socket.socket | None = None
    _closed: threading.Event = field(default_factory=threading.Event)

    @property
    def local_port(self) -> int:
        """The local port, once started."""
        assert self._server is not None, "the forward has not started"
        bound: tuple[str, int] = self._server.getsockname()
        return bound[1]

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"{self.host}:{self.local_port}"

    def start(self) -> PortForward:
        """Listens on a free local port and serves connections in the background."""
        self._server = socket.create_server((self.host, 0))
        name = f"port-forward {self.pod}:{self.port}"
        threading.Thread(target=self._accept, name=name, daemon=True).start()
        return self

    def close(self) -> None:
        """Stops listening and ends the relayed connections."""
        self._closed.set()
        if self._server is not None:
            # shutdown first: close() alone leaves a listener that a thread blocked in accept() holds
            # open, so the port would still take connections (and reset them).
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()

    def __enter__(self) -> PortForward:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        assert self._server is not None
        while not self._closed.is_set():
            try:
                local, _ = self._server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._relay, args=(local,), daemon=True).start()

    def _relay(self, local: socket.socket) -> None:
        core = client.CoreV1Api(self.api)
        try:
            stream: Any = portforward(
                core.connect_get_namespaced_pod_portforward, self.pod, self.namespace, ports=str(self.port)
            )
            remote = stream.socket(self.port)
            remote.setblocking(True)
        except Exception as error:
            where = f"{self.namespace}/{self.pod}:{self.port}"
            self.errors.append(f"opening a port-forward to {where}: {describe_api_error(error)}")
            local.close()
            return
        try:
            _pump(local, remote, self._closed)
        finally:
            local.close()
            remote.close()
            failure = stream.error(self.port)
            if failure:
                self.errors.append(str(failure))
            stream.close()


@contextmanager
def port_forward_to(
    api: client.ApiClient,
    namespace: str,
    port: int | str,
    *,
    service: str | None = None,
    pod: str | None = None,
) -> Iterator[PortForward]:
    """Forwards a free local port to ``port`` of a pod, or of a Ready pod behind a Service, while open.

    ``port`` is the Service's port (number or name) for a Service, the container port for a pod::

        with port_forward_to(k8s_client, ns, 80, service="web") as forward:
            urllib.request.urlopen(f"http://{forward.address}/")
    """
    if (service is None) == (pod is None):
        raise ValueError("port_forward_to needs exactly one of service= or pod=")
    if service is not None:
        target_pod, target_port = service_backend(api, namespace, service, port)
    else:
        assert pod is not None
        if not str(port).isdigit():
            raise ValueError(f"a pod's port is a number, got {port!r}")
        target_pod, target_port = pod, int(port)
    with PortForward(api, namespace, target_pod, target_port) as forward:
        yield forward


def _pump(local: socket.socket, remote: socket.socket, closed: threading.Event) -> None:
    peers = {local: remote, remote: local}
    while not closed.is_set():
        # The timeout only lets close() end the relay; data is relayed as soon as it arrives.
        readable, _, _ = select.select(list(peers), [], [], 0.5)
        for source in readable:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            peers[source].sendall(data)
