"""Every service of the config, built in or declared, and where each answers from here.

The one place the plugin looks services up (the ``incluster_service``, ``postgres_*`` and ``redis_*``
fixtures all ask here), mirroring incluster's ``src/services/registry.ts``: PostgreSQL, Redis when
enabled, then ``services.declared``. Inside an ``incluster run`` pod a service answers at what the
runner's ``<NAME>_HOST`` and ``<NAME>_PORT`` say (else its cluster DNS name), with no API call;
outside, through a port-forward to a Ready pod behind its Service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .config_file import InclusterConfig

Readiness = Literal["postgres", "redis", "tcp"]


@dataclass(frozen=True)
class ServiceContract:
    """What one service declares: its Kubernetes Service, port, readiness probe and credentials."""

    name: str
    service: str
    namespace: str
    port: int
    readiness: Readiness
    secret: str | None = None
    """The Secret holding its credentials, in the services' namespace."""

    @property
    def prefix(self) -> str:
        """``search-api`` -> ``SEARCH_API``: the prefix of its variables in the runner pod."""
        return variable_prefix(self.name)

    @property
    def dns_name(self) -> str:
        """``<service>.<namespace>.svc.cluster.local``."""
        return f"{self.service}.{self.namespace}.svc.cluster.local"


class UnknownService(LookupError):
    """No service of that name in the config; the message lists the names there are."""


def variable_prefix(name: str) -> str:
    """The runner's variable prefix of a service name."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def service_contracts(config: InclusterConfig, namespace: str) -> list[ServiceContract]:
    """The contracts of every configured service, built-in first, as the runner lists them."""
    postgres, redis = config.postgres, config.redis
    contracts = [
        ServiceContract(
            "postgres", postgres["service"], namespace, postgres["port"], "postgres", postgres["secret"]
        )
    ]
    if redis["enabled"]:
        contracts.append(
            ServiceContract("redis", redis["service"], namespace, redis["port"], "redis", redis["secret"])
        )
    contracts.extend(ServiceContract(d.name, d.service, namespace, d.port, "tcp") for d in config.declared)
    return contracts


def find_service(contracts: list[ServiceContract], name: str) -> ServiceContract:
    """The contract named ``name``, or UnknownService listing the names there are."""
    for contract in contracts:
        if contract.name == name:
            return contract
    names = ", ".join(c.name for c in contracts)
    raise UnknownService(
        f"no service named `{name}` in the config (there are: {names}); "
        "declare your own under services.declared in incluster.config.yaml"
    )


def address_in_pod(contract: ServiceContract, env: Mapping[str, str]) -> tuple[str, int]:
    """Where the service answers inside a runner pod: the runner's variables, else its DNS name."""
    host = env.get(f"{contract.prefix}_HOST") or contract.dns_name
    port = env.get(f"{contract.prefix}_PORT")
    return host, int(port) if port and port.isdigit() else contract.port
