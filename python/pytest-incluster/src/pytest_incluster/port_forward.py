"""A local TCP port forwarded to a pod behind a Service, over the API server (no kubectl).

Each local connection gets its own port-forward stream (the official client's
``kubernetes.stream.portforward``), relayed by a thread; a stream's error is kept in ``errors`` for
the message of whatever fails next.
"""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from kubernetes.stream import portforward

from .kube import InfrastructureError, describe_api_error
from .ownership import label_selector


def service_backend(api: client.ApiClient, namespace: str, service: str, port: int) -> tuple[str, int]:
    """A Ready pod behind the Service and the container port its ``port`` leads to."""
    core = client.CoreV1Api(api)
    try:
        svc = core.read_namespaced_service(service, namespace)
    except client.ApiException as error:
        raise InfrastructureError(
            f"reading Service {namespace}/{service}: {describe_api_error(error)}"
        ) from error
    if not svc.spec.selector:
        raise InfrastructureError(f"Service {namespace}/{service} has no selector: no pod to forward to")
    spec_port = next((p for p in svc.spec.ports or [] if p.port == port), None)
    if spec_port is None:
        ports = ", ".join(str(p.port) for p in svc.spec.ports or []) or "none"
        raise InfrastructureError(f"Service {namespace}/{service} has no port {port} (it has {ports})")
    pods = core.list_namespaced_pod(namespace, label_selector=label_selector(svc.spec.selector)).items
    ready = [
        p
        for p in pods
        if p.metadata.deletion_timestamp is None
        and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    ]
    if not ready:
        raise InfrastructureError(f"Service {namespace}/{service}: none of its {len(pods)} pod(s) is Ready")
    pod = ready[0]
    target = spec_port.target_port
    if target is None:
        return pod.metadata.name, port
    if isinstance(target, int) or str(target).isdigit():
        return pod.metadata.name, int(target)
    for container in pod.spec.containers:
        for container_port in container.ports or []:
            if container_port.name == target:
                return pod.metadata.name, container_port.container_port
    raise InfrastructureError(f"pod {namespace}/{pod.metadata.name} has no port named {target!r}")


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
        return self._server.getsockname()[1]

    def start(self) -> PortForward:
        """Listens on a free local port and serves connections in the background."""
        self._server = socket.create_server((self.host, 0))
        threading.Thread(
            target=self._accept, name=f"port-forward {self.pod}:{self.port}", daemon=True
        ).start()
        return self

    def close(self) -> None:
        """Stops listening and ends the relayed connections."""
        self._closed.set()
        if self._server is not None:
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
            self.errors.append(
                f"opening a port-forward to {self.namespace}/{self.pod}: {describe_api_error(error)}"
            )
            local.close()
            return
        try:
            _pump(local, remote, self._closed)
        finally:
            local.close()
            remote.close()
            error = stream.error(self.port)
            if error:
                self.errors.append(str(error))
            stream.close()


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
