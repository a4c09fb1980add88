"""The plugin's settings: command-line options over environment variables over ini values over the
project's ``incluster.config.yaml``.

Defaults are those of ``incluster.config.yaml``'s defaults (namespace ``floe-test``, Service ``postgres``,
Secret ``postgres-credentials``, artifacts in ``test-results``), and inside an ``incluster run`` pod the
variables the runner sets (``INCLUSTER_NAMESPACE``, ``INCLUSTER_ARTIFACTS_DIR``, ``INCLUSTER_RUN_ID``) win.
An ini value written in the pytest configuration wins over the config file's; one left out takes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .config_file import ConfigFileError, InclusterConfig, find_config, read_config
from .ids import DEFAULT_ID_PATTERN
from .services import ServiceContract, service_contracts

INI = {
    "incluster_id_pattern": ("Requirement ID format (a regular expression).", DEFAULT_ID_PATTERN),
    # Empty: take it from incluster.config.yaml (whose defaults are floe-test, postgres, 5432, ...).
    "incluster_namespace": ("Namespace of the backing services (default: the config's, floe-test).", ""),
    "incluster_postgres_service": ("The PostgreSQL Service (default: the config's, postgres).", ""),
    "incluster_postgres_port": ("The PostgreSQL Service's port (default: the config's, 5432).", ""),
    "incluster_postgres_secret": ("Secret with username, password (default: the config's).", ""),
    "incluster_namespace_ttl": ("Seconds before `incluster sweep` may delete a test namespace.", "3600"),
    "incluster_wait_timeout": ("Default timeout of waits, in seconds.", "120"),
    "incluster_artifacts": ("Directory of failure bundles and evidence (default: the config's).", ""),
    "incluster_config": ("incluster's config file (default: incluster.config.yaml, found upwards).", ""),
}
BOOL_INI = {
    "incluster_keep_on_failure": "Keep the namespace of a failed test for inspection.",
    "incluster_require_marker": "Every test must carry a requirement marker.",
}


def add_options(parser: pytest.Parser) -> None:
    """Registers the plugin's command-line options and ini values."""
    group = parser.getgroup("incluster", "incluster: requirement traceability and cluster fixtures")
    group.addoption(
        "--incluster-evidence",
        metavar="PATH",
        help="write traceability.json here (in a run pod: $INCLUSTER_ARTIFACTS_DIR/traceability.json)",
    )
    group.addoption(
        "--incluster-evidence-root",
        metavar="DIR",
        help="make the evidence's file paths relative to DIR (default: pytest's rootdir)",
    )
    group.addoption(
        "--incluster-keep-on-failure",
        action="store_true",
        default=None,
        help="keep a failed test's namespace (also INCLUSTER_KEEP_ON_FAILURE=1)",
    )
    group.addoption(
        "--kube-context",
        metavar="NAME",
        dest="incluster_kube_context",
        help="the kubeconfig context the fixtures use (default: the kubeconfig's current context)",
    )
    group.addoption(
        "--shard",
        metavar="K/N",
        dest="incluster_shard",
        help="run only the K-th of N round-robin parts of the suite (incluster run --shards N passes it)",
    )
    for name, (help_text, default) in INI.items():
        parser.addini(name, help_text, default=default)
    for name, help_text in BOOL_INI.items():
        parser.addini(name, help_text, type="bool", default=False)


@dataclass(frozen=True)
class Settings:
    """What the fixtures need to know, resolved once per session."""

    namespace: str
    postgres_service: str
    postgres_port: int
    postgres_secret: str
    namespace_ttl: float
    wait_timeout: float
    keep_on_failure: bool
    artifacts: Path
    root: Path = field(default_factory=Path.cwd)
    """Where relative manifest and chart paths start: the config file's directory, else pytest's rootdir."""
    context: str | None = None
    """The kubeconfig context (``--kube-context``; default: the kubeconfig's current one)."""
    config: InclusterConfig = field(default_factory=InclusterConfig)
    services: tuple[ServiceContract, ...] = ()


def _number(config: pytest.Config, name: str) -> float:
    raw = str(config.getini(name))
    try:
        value = float(raw)
    except ValueError:
        raise pytest.UsageError(f"Expected `{name}` to be a number of seconds, got `{raw}`") from None
    if value <= 0:
        raise pytest.UsageError(f"Expected `{name}` to be a positive number of seconds, got `{raw}`")
    return value


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _written(config: pytest.Config, name: str) -> bool:
    """True when the pytest configuration sets ``name`` (these ini values default to empty)."""
    return bool(str(config.getini(name)).strip())


def load_incluster_config(config: pytest.Config) -> InclusterConfig:
    """The project's incluster config: ``incluster_config`` when set, else the nearest upwards."""
    named = str(config.getini("incluster_config"))
    try:
        if named:
            path = Path(named) if Path(named).is_absolute() else config.rootpath / named
            if not path.is_file():
                raise ConfigFileError(f"incluster_config names {named}, which does not exist")
            return read_config(path)
        return read_config(find_config(config.rootpath))
    except ConfigFileError as error:
        raise pytest.UsageError(str(error)) from None


def resolve_settings(config: pytest.Config, env: os._Environ[str] | dict[str, str] = os.environ) -> Settings:
    """The settings for this session; a bad value is a usage error quoting it."""
    project = load_incluster_config(config)
    keep = config.getoption("incluster_keep_on_failure")
    if keep is None:
        keep = (
            _flag(env["INCLUSTER_KEEP_ON_FAILURE"])
            if "INCLUSTER_KEEP_ON_FAILURE" in env
            else bool(config.getini("incluster_keep_on_failure"))
        )

    def ini(name: str, from_config: object) -> str:
        return str(config.getini(name)) if _written(config, name) else str(from_config)

    root = project.path.parent if project.path else config.rootpath
    artifacts_ini = ini("incluster_artifacts", project.artifacts)
    artifacts = Path(env.get("INCLUSTER_ARTIFACTS_DIR") or artifacts_ini)
    base = config.rootpath if _written(config, "incluster_artifacts") else root
    port = (
        int(_number(config, "incluster_postgres_port"))
        if _written(config, "incluster_postgres_port")
        else int(project.postgres["port"])
    )
    namespace = env.get("INCLUSTER_NAMESPACE") or ini("incluster_namespace", project.namespace)
    postgres = {
        **project.postgres,
        "service": ini("incluster_postgres_service", project.postgres["service"]),
        "secret": ini("incluster_postgres_secret", project.postgres["secret"]),
        "port": port,
    }
    project = InclusterConfig(**{**project.__dict__, "postgres": postgres, "namespace": namespace})
    return Settings(
        namespace=namespace,
        postgres_service=postgres["service"],
        postgres_port=port,
        postgres_secret=postgres["secret"],
        namespace_ttl=_number(config, "incluster_namespace_ttl"),
        wait_timeout=_number(config, "incluster_wait_timeout"),
        keep_on_failure=bool(keep),
        artifacts=artifacts if artifacts.is_absolute() else base / artifacts,
        root=root,
        context=config.getoption("incluster_kube_context"),
        config=project,
        services=tuple(service_contracts(project, namespace)),
    )
