"""Where the tests' PostgreSQL is, and a connection that is ready only when ``SELECT 1`` answered.

Inside a pod the connection variables the runner sets are used: libpq's own (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE) when present, else incluster's POSTGRES_HOST, POSTGRES_PORT,
POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, else the Service's cluster DNS name with the
credentials read from the Secret. Outside, a port-forward to a pod behind the Service.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg

from .redaction import redactor

Via = Literal["env", "dns", "port-forward"]


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL server to connect to and the credentials (the password is never in its repr)."""

    host: str
    port: int
    user: str | None
    dbname: str | None
    via: Via
    password: str | None = field(default=None, repr=False)
    sslmode: str | None = None

    def connect_kwargs(self) -> dict[str, Any]:
        """Arguments for ``psycopg.connect``."""
        kwargs: dict[str, Any] = {"host": self.host, "port": self.port}
        for key in ("user", "password", "dbname", "sslmode"):
            if getattr(self, key):
                kwargs[key] = getattr(self, key)
        return kwargs


def target_from_env(env: Mapping[str, str] = os.environ) -> PostgresTarget | None:
    """The server the runner's variables name (PG* first, then POSTGRES_*), or None."""
    if env.get("PGHOST"):
        return PostgresTarget(
            host=env["PGHOST"],
            port=int(env.get("PGPORT") or 5432),
            user=env.get("PGUSER"),
            password=env.get("PGPASSWORD"),
            dbname=env.get("PGDATABASE"),
            sslmode=env.get("PGSSLMODE"),
            via="env",
        )
    if env.get("POSTGRES_HOST"):
        return PostgresTarget(
            host=env["POSTGRES_HOST"],
            port=int(env.get("POSTGRES_PORT") or 5432),
            user=env.get("POSTGRES_USER"),
            password=env.get("POSTGRES_PASSWORD"),
            dbname=env.get("POSTGRES_DB"),
            via="env",
        )
    return None


def connect_postgres(
    target: PostgresTarget, timeout: float = 120.0, **kwargs: Any
) -> psycopg.Connection[Any]:
    """Connects and returns once ``SELECT 1`` succeeded; retries while the server is still starting."""
    redactor.add(target.password)
    deadline = time.monotonic() + timeout
    backoff = 0.2
    while True:
        try:
            connection = psycopg.connect(**target.connect_kwargs(), connect_timeout=10, **kwargs)
        except psycopg.OperationalError as error:
            last = error
        else:
            try:
                connection.execute("SELECT 1")
                if not connection.autocommit:
                    connection.rollback()  # hand over a connection outside any transaction
                return connection
            except psycopg.Error as error:
                connection.close()
                last = error
        if time.monotonic() + backoff >= deadline:
            where = f"{target.host}:{target.port} (via {target.via})"
            raise psycopg.OperationalError(
                f"PostgreSQL at {where} did not answer SELECT 1 within {timeout:.0f}s: "
                f"{redactor.redact(str(last).strip())}"
            ) from None
        # A retry of a failed connection (the server may be starting), not a poll of some state.
        time.sleep(backoff)
        backoff = min(backoff * 2, 2.0)
