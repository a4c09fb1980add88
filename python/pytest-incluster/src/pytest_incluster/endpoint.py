"""Any configured service, reached from where the tests run and ready when it answers its probe.

A port of incluster's ``src/vitest/service.ts``: inside a pod the runner's variables or the cluster
DNS name (no API call: the runner's ServiceAccount need not watch endpoints); outside, a port-forward
to a Ready pod behind the Service. Ready means the service answered at the protocol level where a
probe needs no credentials (PostgreSQL's SSLRequest, Redis's PING), else a TCP connection that stays
open (a port-forward accepts at once and closes when nothing listens behind it).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Literal

from kubernetes import client

from .conditions import service_has_endpoints
from .kube import InfrastructureError, running_in_pod
from .port_forward import port_forward_to
from .redaction import redactor
from .services import Readiness, ServiceContract, address_in_pod
from .wait import wait_for

Via = Literal["dns", "port-forward"]

_TCP_SETTLE = 0.3
_PROBES: Mapping[Readiness, tuple[bytes, tuple[bytes, ...]] | None] = {
    "tcp": None,
    # An SSLRequest: a PostgreSQL server answers one byte, S (TLS offered) or N.
    "postgres": (bytes([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]), (b"S", b"N")),
    # PING: +PONG, or -NOAUTH when a password is required; either is Redis answering.
    "redis": (b"*1\r\n$4\r\nPING\r\n", (b"+PONG", b"-NOAUTH")),
}


@dataclass
class ServiceEndpoint:
    """Where a service answers from here; ``close()`` ends the port-forward, if any."""

    name: str
    host: str
    port: int
    via: Via
    _stack: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def address(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> ServiceEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect_service(
    api: client.ApiClient | None,
    contract: ServiceContract,
    *,
    via: Via | None = None,
    port: int | None = None,
    timeout: float = 120.0,
    env: Mapping[str, str] = os.environ,
) -> ServiceEndpoint:
    """The service's endpoint once it answers its readiness probe from here."""
    deadline = time.monotonic() + timeout
    route: Via = via or ("dns" if running_in_pod(env) else "port-forward")
    if route == "dns":
        host, found_port = address_in_pod(contract, env)
        endpoint = ServiceEndpoint(contract.name, host, port or found_port, route)
    else:
        if api is None:
            raise InfrastructureError(
                f"reaching service {contract.name} through a port-forward needs the API"
            )
        wait_for(service_has_endpoints(api, contract.namespace, contract.service), timeout=timeout)
        endpoint = ServiceEndpoint(contract.name, "127.0.0.1", 0, route)
        forward = endpoint._stack.enter_context(
            port_forward_to(api, contract.namespace, port or contract.port, service=contract.service)
        )
        endpoint.port = forward.local_port
    attempt = 0
    while True:
        try:
            probe(endpoint.host, endpoint.port, contract.readiness)
            return endpoint
        except OSError as error:
            if time.monotonic() >= deadline:
                endpoint.close()
                where = f"{contract.service}.{contract.namespace}:{port or contract.port}"
                raise InfrastructureError(
                    f"service {contract.name} ({where}) via {route} did not pass its {contract.readiness} "
                    f"probe within {timeout:.0f}s: {redactor.redact(str(error))}"
                ) from None
        # A retry of a connection the service refused (it may be starting), not a poll of some state.
        time.sleep(min(0.25 * 2**attempt, 3.0))
        attempt = min(attempt + 1, 5)


def probe(host: str, port: int, readiness: Readiness, timeout: float = 5.0) -> None:
    """Opens a connection, sends the readiness probe's request and checks the first reply."""
    with socket.create_connection((host, port), timeout=timeout) as connection:
        request = _PROBES[readiness]
        if request is None:
            connection.settimeout(_TCP_SETTLE)
            try:
                if connection.recv(1) == b"":
                    raise ConnectionResetError(f"{host}:{port} closed the connection")
            except TimeoutError:
                return  # still open: something listens behind it
            return
        send, answers = request
        connection.sendall(send)
        reply = connection.recv(64)
        if not reply:
            raise ConnectionResetError(f"{host}:{port} closed the connection")
        if not reply.startswith(answers):
            raise ConnectionError(f"{host}:{port} answered {reply[:32]!r}")
