"""The cluster's Redis: where it answers and with which password, and a redis-py client after PING.

As incluster's Vitest ``redis`` fixture: inside a runner pod the password comes from REDIS_PASSWORD
(as ``incluster run`` sets it) without touching the API; elsewhere from the Secret, through a
port-forward. ``url`` (``redis://default:<password>@host:port/0``) is for a client of the test's choice.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from kubernetes import client

from .endpoint import ServiceEndpoint
from .extras import require
from .kube import read_secret
from .redaction import redactor
from .services import ServiceContract


@dataclass(frozen=True)
class RedisTarget:
    """Where Redis answers from here, and its password (never in the repr)."""

    host: str
    port: int
    via: str
    password: str | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """``redis://default:<password>@host:port/0`` (the password URL-encoded)."""
        userinfo = f"default:{quote(self.password, safe='')}@" if self.password is not None else ""
        return f"redis://{userinfo}{self.host}:{self.port}/0"


def redis_target(
    api: client.ApiClient | None,
    contract: ServiceContract,
    endpoint: ServiceEndpoint,
    env: Mapping[str, str] = os.environ,
) -> RedisTarget:
    """The endpoint with its password: the runner's variable in a pod, else the Secret's ``password``."""
    in_pod = endpoint.via == "dns" and env.get("REDIS_PASSWORD") is not None
    if in_pod:
        password = env.get("REDIS_PASSWORD")
    elif api is not None and contract.secret:
        password = read_secret(api, contract.namespace, contract.secret).get("password")
    else:
        password = None
    redactor.add(password)
    return RedisTarget(endpoint.host, endpoint.port, endpoint.via, password)


def connect_redis(target: RedisTarget) -> Any:
    """A redis-py client that answered PING (``pytest-incluster[redis]``)."""
    redis = require("redis", "redis", "redis_client")
    connection = redis.Redis(
        host=target.host, port=target.port, password=target.password, socket_timeout=10, decode_responses=True
    )
    if connection.ping() is not True:
        raise ConnectionError(f"Redis at {target.host}:{target.port} did not answer PING")
    return connection
