"""Inside a pod the PostgreSQL target comes from libpq's variables, then incluster's POSTGRES_*."""

from __future__ import annotations

import pytest

from pytest_incluster.postgres import target_from_env

pytestmark = pytest.mark.requirement("001-FR-096")


def test_libpq_variables_win() -> None:
    env = {
        "PGHOST": "pg.ns.svc",
        "PGPORT": "5433",
        "PGUSER": "u",
        "PGPASSWORD": "pw",
        "PGDATABASE": "d",
        "PGSSLMODE": "disable",
        "POSTGRES_HOST": "other",
    }
    target = target_from_env(env)
    assert target is not None
    assert target.connect_kwargs() == {
        "host": "pg.ns.svc",
        "port": 5433,
        "user": "u",
        "password": "pw",
        "dbname": "d",
        "sslmode": "disable",
    }
    assert "pw" not in repr(target)


def test_postgres_variables_otherwise() -> None:
    target = target_from_env(
        {"POSTGRES_HOST": "h", "POSTGRES_USER": "u", "POSTGRES_PASSWORD": "p", "POSTGRES_DB": "d"}
    )
    assert target is not None
    assert (target.host, target.port, target.user, target.dbname, target.via) == ("h", 5432, "u", "d", "env")


def test_nothing_without_either() -> None:
    assert target_from_env({}) is None
