"""The plugin's settings: command-line options over environment variables over ini values.

Defaults are those of ``incluster.config.yaml``'s defaults (namespace ``floe-test``, Service ``postgres``,
Secret ``postgres-credentials``, artifacts in ``test-results``), and inside an ``incluster run`` pod the
variables the runner sets (``INCLUSTER_NAMESPACE``, ``INCLUSTER_ARTIFACTS_DIR``, ``INCLUSTER_RUN_ID``) win.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from .ids import DEFAULT_ID_PATTERN

INI = {
    "incluster_id_pattern": ("Requirement ID format (a regular expression).", DEFAULT_ID_PATTERN),
    "incluster_namespace": ("Namespace of the backing services.", "floe-test"),
    "incluster_postgres_service": ("The PostgreSQL Service.", "postgres"),
    "incluster_postgres_port": ("The PostgreSQL Service's port.", "5432"),
    "incluster_postgres_secret": (
        "Secret with the keys username, password, database.",
        "postgres-credentials",
    ),
    "incluster_namespace_ttl": ("Seconds before `incluster sweep` may delete a test namespace.", "3600"),
    "incluster_wait_timeout": ("Default timeout of waits, in seconds.", "120"),
    "incluster_artifacts": ("Directory of failure bundles and evidence.", "test-results"),
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


def resolve_settings(config: pytest.Config, env: os._Environ[str] | dict[str, str] = os.environ) -> Settings:
    """The settings for this session; a bad value is a usage error quoting it."""
    keep = config.getoption("incluster_keep_on_failure")
    if keep is None:
        keep = (
            _flag(env["INCLUSTER_KEEP_ON_FAILURE"])
            if "INCLUSTER_KEEP_ON_FAILURE" in env
            else bool(config.getini("incluster_keep_on_failure"))
        )
    artifacts = Path(env.get("INCLUSTER_ARTIFACTS_DIR") or str(config.getini("incluster_artifacts")))
    port = _number(config, "incluster_postgres_port")
    return Settings(
        namespace=env.get("INCLUSTER_NAMESPACE") or str(config.getini("incluster_namespace")),
        postgres_service=str(config.getini("incluster_postgres_service")),
        postgres_port=int(port),
        postgres_secret=str(config.getini("incluster_postgres_secret")),
        namespace_ttl=_number(config, "incluster_namespace_ttl"),
        wait_timeout=_number(config, "incluster_wait_timeout"),
        keep_on_failure=bool(keep),
        artifacts=artifacts if artifacts.is_absolute() else config.rootpath / artifacts,
    )
