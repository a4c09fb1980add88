"""A database per test: cloning the template (what ``postgres_database`` does) against creating a
database and migrating it, measured in the same run on the cluster's PostgreSQL.

Run with the plugin's virtualenv (python/pytest-incluster/ci.sh makes it), KUBECONFIG set to the
cluster's:

    python/pytest-incluster/.venv/bin/python bench/postgres-template.py --rounds 20 --tables 40

Each round, interleaved: ``CREATE DATABASE x TEMPLATE tpl`` (the clone) and ``CREATE DATABASE y`` +
the migration (the baseline), each followed by a first connection and query, and both dropped. The
migration is ``--tables`` tables with a primary key, two indexes, a foreign key and 200 reference rows
each, plus the orders example's schema. Prints medians, p90 and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python/pytest-incluster/src"))

from kubernetes import client
from pytest_incluster.config_file import InclusterConfig
from pytest_incluster.endpoint import connect_service
from pytest_incluster.kube import load_api_client, read_secret
from pytest_incluster.postgres import (
    PostgresTarget,
    connect_postgres,
    create_database,
    create_template,
    database_name,
    drop_database,
)
from pytest_incluster.services import service_contracts


def migration(tables: int) -> str:
    statements = [
        "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL CHECK (customer <> ''),"
        " placed_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,"
        " item text NOT NULL, cents bigint NOT NULL CHECK (cents >= 0), quantity integer NOT NULL)",
    ]
    for n in range(tables):
        statements += [
            f"CREATE TABLE t{n} (id bigserial PRIMARY KEY, code text NOT NULL, label text, "
            f"amount numeric(12,2) NOT NULL DEFAULT 0, created timestamptz NOT NULL DEFAULT now(), "
            f"parent bigint REFERENCES t{n} (id))",
            f"CREATE UNIQUE INDEX t{n}_code ON t{n} (code)",
            f"CREATE INDEX t{n}_created ON t{n} (created, amount)",
            f"INSERT INTO t{n} (code, label, amount) SELECT 'c' || g, 'label ' || g, g * 1.5 "  # noqa: S608
            f"FROM generate_series(1, 200) AS g",
        ]
    return ";\n".join(statements)


def migrate_with(sql: str) -> Any:
    return lambda connection: connection.execute(sql)


def first_query(target: PostgresTarget) -> None:
    with connect_postgres(target, fixture="bench") as connection:
        connection.execute("SELECT count(*) FROM orders").fetchone()


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--namespace", default="floe-test")
    args = parser.parse_args()
    api: client.ApiClient = load_api_client()
    contract = service_contracts(InclusterConfig(), args.namespace)[0]
    credentials = read_secret(api, args.namespace, contract.secret or "postgres-credentials")
    sql = migration(args.tables)
    with connect_service(api, contract) as endpoint:
        admin = PostgresTarget(
            endpoint.host,
            endpoint.port,
            credentials.get("username"),
            "app",
            "port-forward",
            credentials.get("password"),
        )
        started = time.perf_counter()
        template = create_template(admin, migrate_with(sql))
        template_ms = (time.perf_counter() - started) * 1000
        clones: list[float] = []
        fresh: list[float] = []
        try:
            for _ in range(args.rounds):
                name = database_name("bench")

                def clone(name: str = name) -> None:
                    create_database(admin, name, template=template)
                    first_query(admin.with_database(name))

                clones.append(timed(clone))
                drop_database(admin, name)
                other = database_name("bench")

                def create_and_migrate(other: str = other) -> None:
                    create_database(admin, other)
                    with connect_postgres(admin.with_database(other), fixture="bench") as connection:
                        connection.execute(sql)
                        connection.commit()
                    first_query(admin.with_database(other))

                fresh.append(timed(create_and_migrate))
                drop_database(admin, other)
        finally:
            drop_database(admin, template)
    for label, values in (("clone from template", clones), ("create + migrate", fresh)):
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"{label:22} median {statistics.median(values):8.1f} ms   p90 {p90:8.1f} ms")
    print(f"template made once in {template_ms:.0f} ms ({args.tables + 2} tables, {args.tables * 200} rows)")
    print(f"create + migrate / clone: {statistics.median(fresh) / statistics.median(clones):.2f}x (medians)")


if __name__ == "__main__":
    main()
