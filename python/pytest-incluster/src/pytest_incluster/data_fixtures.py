"""The data services' fixtures: PostgreSQL (shared, per test, per worker) and Redis.

PostgreSQL needs ``pytest-incluster[postgres]`` (psycopg 3), ``redis_client`` needs
``pytest-incluster[redis]``; ``postgres_target`` and ``redis_target`` need neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from .endpoint import connect_service
from .fixtures import _api_if_outside, service_contract
from .kube import read_secret, running_in_pod
from .postgres import (
    Migrate,
    PostgresTarget,
    connect_postgres,
    create_database,
    create_template,
    database_name,
    drop_database,
    target_from_env,
)
from .redis import RedisTarget, connect_redis
from .redis import redis_target as find_redis
from .settings import Settings

if TYPE_CHECKING:
    import psycopg


@pytest.fixture(scope="session")
def postgres_target(request: pytest.FixtureRequest, incluster_settings: Settings) -> Iterator[PostgresTarget]:
    """Where PostgreSQL answers: the runner's variables or cluster DNS in a pod, a port-forward outside."""
    settings = incluster_settings
    if running_in_pod():
        from_env = target_from_env()
        if from_env is not None:
            yield from_env
            return
    contract = service_contract(settings, "postgres")
    credentials = read_secret(
        request.getfixturevalue("k8s_client"), settings.namespace, settings.postgres_secret
    )
    with connect_service(_api_if_outside(request, None), contract, timeout=settings.wait_timeout) as endpoint:
        yield PostgresTarget(
            host=endpoint.host,
            port=endpoint.port,
            user=credentials.get("username"),
            password=credentials.get("password"),
            dbname=credentials.get("database") or str(settings.config.postgres["database"]),
            via="dns" if endpoint.via == "dns" else "port-forward",
        )


@pytest.fixture
def postgres_connection(
    postgres_target: PostgresTarget, incluster_settings: Settings
) -> Iterator[psycopg.Connection[Any]]:
    """A psycopg 3 connection to the shared database that has answered ``SELECT 1``; closed after the test."""
    connection = connect_postgres(postgres_target, timeout=incluster_settings.wait_timeout)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="session")
def postgres_schema() -> Migrate | None:
    """Override to give the template database your schema: a function of a psycopg connection.

    ::

        @pytest.fixture(scope="session")
        def postgres_schema():
            return lambda connection: connection.execute(Path("schema.sql").read_text())
    """
    return None


@pytest.fixture(scope="session")
def postgres_template(
    postgres_target: PostgresTarget, postgres_schema: Migrate | None, incluster_settings: Settings
) -> Iterator[str]:
    """The template database: migrated once per session (per xdist worker) with ``postgres_schema``."""
    name = create_template(postgres_target, postgres_schema, timeout=incluster_settings.wait_timeout)
    try:
        yield name
    finally:
        drop_database(postgres_target, name, timeout=incluster_settings.wait_timeout)


@dataclass
class PostgresDatabase:
    """A database of one's own: its name, where it is (``target``, ``url``) and an open connection."""

    name: str
    target: PostgresTarget
    connection: psycopg.Connection[Any] = field(repr=False)

    @property
    def url(self) -> str:
        """``postgresql://...`` for an ORM or another client (the password inside: keep it out of logs)."""
        return self.target.url


def _own_database(target: PostgresTarget, template: str, settings: Settings) -> Iterator[PostgresDatabase]:
    name = database_name("test")
    create_database(target, name, template=template, timeout=settings.wait_timeout)
    own = target.with_database(name)
    try:
        connection = connect_postgres(own, timeout=settings.wait_timeout, fixture="postgres_database")
        try:
            yield PostgresDatabase(name, own, connection)
        finally:
            connection.close()
    finally:
        drop_database(target, name, timeout=settings.wait_timeout)


@pytest.fixture
def postgres_database(
    postgres_target: PostgresTarget, postgres_template: str, incluster_settings: Settings
) -> Iterator[PostgresDatabase]:
    """A database for this test alone, cloned from the template (the migrated schema), dropped afterwards."""
    yield from _own_database(postgres_target, postgres_template, incluster_settings)


@pytest.fixture(scope="session")
def postgres_worker_database(
    postgres_target: PostgresTarget, postgres_template: str, incluster_settings: Settings
) -> Iterator[PostgresDatabase]:
    """One database per xdist worker and shard (this process), from the template, dropped at the end."""
    yield from _own_database(postgres_target, postgres_template, incluster_settings)


@pytest.fixture(scope="session")
def redis_target(request: pytest.FixtureRequest, incluster_settings: Settings) -> Iterator[RedisTarget]:
    """Where the cluster's Redis answers (after PING) and its password: REDIS_* in a pod, else the Secret."""
    contract = service_contract(incluster_settings, "redis")
    api = _api_if_outside(request, None)
    with connect_service(api, contract, timeout=incluster_settings.wait_timeout) as endpoint:
        yield find_redis(api, contract, endpoint, os.environ)


@pytest.fixture
def redis_client(redis_target: RedisTarget) -> Iterator[Any]:
    """A ``redis.Redis`` client (``pytest-incluster[redis]``) that answered PING; closed after the test."""
    connection = connect_redis(redis_target)
    try:
        yield connection
    finally:
        connection.close()
