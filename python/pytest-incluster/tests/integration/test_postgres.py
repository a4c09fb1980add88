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


DATABASES = """
import pytest

@pytest.fixture(scope="session")
def postgres_schema():
    def migrate(connection):
        connection.execute("CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL)")
        connection.execute("INSERT INTO orders (item) VALUES ('from the template')")
    return migrate
"""

PER_TEST = """
import os

def record(line):
    with open(os.environ["OUT"], "a") as out:
        out.write(line + "\\n")

def test_one(postgres_database):
    record("TEST=" + postgres_database.name)
    postgres_database.connection.execute("INSERT INTO orders (item) VALUES ('one')")
    postgres_database.connection.commit()
    assert postgres_database.connection.execute("SELECT count(*) FROM orders").fetchone() == (2,)

def test_two(postgres_database, postgres_worker_database):
    record("TEST=" + postgres_database.name)
    record("WORKER=" + postgres_worker_database.name)
    assert postgres_database.connection.execute("SELECT item FROM orders").fetchall() == [("from the template",)]

def test_three(postgres_worker_database):
    record("WORKER=" + postgres_worker_database.name)
    assert postgres_worker_database.url.startswith("postgresql://")
"""


@pytest.mark.requirement("001-FR-169")
def test_each_test_gets_a_clone_of_the_template_and_each_worker_its_own_database(
    pytester: pytest.Pytester, postgres_connection: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(DATABASES)
    pytester.makepyfile(test_inner=PER_TEST)
    out = pytester.path / "out.txt"
    monkeypatch.setenv("OUT", str(out))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    lines = out.read_text().split()
    tests = [line.split("=")[1] for line in lines if line.startswith("TEST=")]
    workers = {line.split("=")[1] for line in lines if line.startswith("WORKER=")}
    assert len(set(tests)) == 2  # a database per test
    assert 1 <= len(workers) <= 2  # one per worker that ran a test using it
    assert not set(tests) & workers
    left = postgres_connection.execute(
        "SELECT datname FROM pg_database WHERE datname = ANY(%s)", ([*tests, *workers],)
    ).fetchall()
    assert left == []  # every clone and worker database dropped
