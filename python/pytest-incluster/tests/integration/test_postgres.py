"""postgres_connection reaches the cluster's PostgreSQL (a port-forward from here, DNS in a pod)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from pytest_incluster.kube import running_in_pod
from pytest_incluster.postgres import PostgresTarget
from pytest_incluster.redaction import redactor

pytestmark = pytest.mark.requirement("001-FR-096")


def test_the_connection_answers_queries(postgres_connection: psycopg.Connection[Any]) -> None:
    with postgres_connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE orders (id int PRIMARY KEY, item text)")
        cursor.execute("INSERT INTO orders VALUES (1, 'tea'), (2, 'cake')")
        cursor.execute("SELECT count(*), current_database() FROM orders")
        count, database = cursor.fetchone()
    assert count == 2
    assert database


def test_the_route_fits_where_the_tests_run(postgres_target: PostgresTarget) -> None:
    if running_in_pod():
        assert postgres_target.via in ("env", "dns")
    else:
        assert postgres_target.via == "port-forward"
        assert postgres_target.host == "127.0.0.1"


@pytest.mark.requirement("001-FR-093")
def test_the_password_is_known_to_the_redactor(postgres_target: PostgresTarget) -> None:
    assert postgres_target.password
    assert postgres_target.password not in redactor.redact(f"password is {postgres_target.password}")
    assert postgres_target.password not in repr(postgres_target)


def test_connections_are_fresh_per_test(postgres_connection: psycopg.Connection[Any]) -> None:
    with postgres_connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.orders')")
        assert cursor.fetchone() == (None,)
