"""What the plugin reads of ``incluster.config.yaml``: the services, their namespace, the cluster.

Found as the CLI finds it (walking up from pytest's rootdir; ``incluster_config`` names another
file, e.g. ``incluster.pytest.config.yaml`` in a repository with two runners), read with the defaults
of incluster's config schema for the fields the fixtures use. The CLI validates the file; here a
field of the wrong type is an error naming it, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAME = "incluster.config.yaml"


class ConfigFileError(ValueError):
    """The config file cannot be read, or a field the plugin uses has the wrong type."""


@dataclass(frozen=True)
class DeclaredService:
    """``services.declared[]``: a service of the user's own manifests."""

    name: str
    service: str
    port: int
    scheme: str | None = None


@dataclass(frozen=True)
class InclusterConfig:
    """The fields of the config the fixtures use, with the schema's defaults."""

    path: Path | None = None
    cluster: str = "floe-test"
    namespace: str = "floe-test"
    postgres: Mapping[str, Any] = field(
        default_factory=lambda: {
            "service": "postgres",
            "port": 5432,
            "database": "app",
            "secret": "postgres-credentials",
        }
    )
    redis: Mapping[str, Any] = field(
        default_factory=lambda: {
            "enabled": False,
            "service": "redis",
            "port": 6379,
            "secret": "redis-credentials",
        }
    )
    declared: tuple[DeclaredService, ...] = ()
    artifacts: str = "test-results"


def find_config(start: Path, name: str = CONFIG_NAME) -> Path | None:
    """``name`` in ``start`` or the nearest directory above it that has one."""
    for directory in (start, *start.parents):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _section(data: Mapping[str, Any], key: str, where: Path) -> Mapping[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigFileError(f"{where}: `{key}` must be a mapping, got {type(value).__name__}")
    return value


def _typed(section: Mapping[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = section.get(key, default)
    if value is not None and not isinstance(value, kind):
        raise ConfigFileError(f"{where}.{key} must be a {kind.__name__}, got {value!r}")
    return value


def read_config(path: Path | None) -> InclusterConfig:
    """The config at ``path`` (None: the defaults)."""
    if path is None:
        return InclusterConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigFileError(f"{path}: {error}") from None
    if not isinstance(data, Mapping):
        raise ConfigFileError(f"{path}: not a mapping of settings")
    defaults = InclusterConfig()
    cluster = _section(data, "cluster", path)
    postgres = {
        key: _typed(_section(data, "postgres", path), key, type(value), value, f"{path}: postgres")
        for key, value in defaults.postgres.items()
    }
    redis = {
        key: _typed(_section(data, "redis", path), key, type(value), value, f"{path}: redis")
        for key, value in defaults.redis.items()
    }
    declared = []
    for index, entry in enumerate(_section(data, "services", path).get("declared") or []):
        where = f"{path}: services.declared[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ConfigFileError(f"{where} must be a mapping with a name")
        port = _typed(entry, "port", int, None, where)
        if port is None:
            raise ConfigFileError(f"{where}.port is required")
        service = _typed(entry, "service", str, entry["name"], where)
        declared.append(
            DeclaredService(entry["name"], service, port, _typed(entry, "scheme", str, None, where))
        )
    return InclusterConfig(
        path=path,
        cluster=_typed(cluster, "name", str, defaults.cluster, f"{path}: cluster"),
        namespace=_typed(data, "namespace", str, defaults.namespace, str(path)),
        postgres=postgres,
        redis=redis,
        declared=tuple(declared),
        artifacts=_typed(
            _section(data, "artifacts", path), "dir", str, defaults.artifacts, f"{path}: artifacts"
        ),
    )
