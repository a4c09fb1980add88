"""Where the tests' PostgreSQL is, and a connection that is ready only when ``SELECT 1`` answered.

Inside a pod the connection variables the runner sets are used: libpq's own (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE) when present, else incluster's POSTGRES_HOST, POSTGRES_PORT,
POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, else the Service's cluster DNS name with the
credentials read from the Secret. Outside, a port-forward to a pod behind the Service.

Databases of their own: a template database holds the migrated schema (made once per session by the
project's ``postgres_schema`` function), and each clone of it (``CREATE DATABASE ... TEMPLATE``) costs
a file copy instead of a migration; every database made here is dropped afterwards. psycopg is the
``postgres`` extra: imported only when a PostgreSQL fixture is used.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from .extras import require
from .redaction import redactor

if TYPE_CHECKING:
    import psycopg

Migrate = Callable[["psycopg.Connection[Any]"], None]
"""The project's schema, applied to the template database's connection (committed afterwards)."""

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

    def with_database(self, dbname: str) -> PostgresTarget:
        """The same server and credentials, another database."""
        return dataclasses.replace(self, dbname=dbname)

    @property
    def url(self) -> str:
        """``postgresql://user:password@host:port/dbname`` (credentials URL-encoded)."""
        from urllib.parse import quote  # noqa: PLC0415

        userinfo = ""
        if self.user:
            userinfo = quote(self.user, safe="")
            if self.password:
                userinfo += ":" + quote(self.password, safe="")
            userinfo += "@"
        query = f"?sslmode={self.sslmode}" if self.sslmode else ""
        return f"postgresql://{userinfo}{self.host}:{self.port}/{self.dbname or ''}{query}"

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
    target: PostgresTarget, timeout: float = 120.0, fixture: str = "postgres_connection", **kwargs: Any
) -> psycopg.Connection[Any]:
    """Connects and returns once ``SELECT 1`` succeeded; retries while the server is still starting."""
    pg = require("psycopg", "postgres", fixture)
    redactor.add(target.password)
    last: Exception
    deadline = time.monotonic() + timeout
    backoff = 0.2
    while True:
        try:
            connection = pg.connect(**target.connect_kwargs(), connect_timeout=10, **kwargs)
        except pg.OperationalError as error:
            last = error
        else:
            try:
                connection.execute("SELECT 1")
                if not connection.autocommit:
                    connection.rollback()  # hand over a connection outside any transaction
                return cast("psycopg.Connection[Any]", connection)
            except pg.Error as error:
                connection.close()
                last = error
        if time.monotonic() + backoff >= deadline:
            where = f"{target.host}:{target.port} (via {target.via})"
            raise pg.OperationalError(
                f"PostgreSQL at {where} did not answer SELECT 1 within {timeout:.0f}s: "
                f"{redactor.redact(str(last).strip())}"
            ) from None
        # A retry of a failed connection (the server may be starting), not a poll of some state.
        time.sleep(backoff)
        backoff = min(backoff * 2, 2.0)


def database_name(kind: str) -> str:
    """``incluster_<kind>_<random>``: unique across processes, workers and shards; a valid identifier."""
    return f"incluster_{kind}_{secrets.token_hex(6)}"


def _admin(target: PostgresTarget, timeout: float) -> psycopg.Connection[Any]:
    connection = connect_postgres(target, timeout=timeout, fixture="postgres_database")
    connection.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
    return connection


def create_database(
    target: PostgresTarget, name: str, *, template: str | None = None, timeout: float = 120.0
) -> None:
    """``CREATE DATABASE name [TEMPLATE template]`` on the server of ``target``."""
    sql = require("psycopg.sql", "postgres", "postgres_database")
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    with _admin(target, timeout) as connection:
        connection.execute(statement)


def drop_database(target: PostgresTarget, name: str, *, timeout: float = 120.0) -> None:
    """Drops the database, ending any connection a test left open to it (PostgreSQL 13+)."""
    sql = require("psycopg.sql", "postgres", "postgres_database")
    with _admin(target, timeout) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_template(target: PostgresTarget, migrate: Migrate | None, *, timeout: float = 120.0) -> str:
    """A new database holding the migrated schema, to clone from; returns its name."""
    name = database_name("template")
    create_database(target, name, timeout=timeout)
    try:
        if migrate is not None:
            with connect_postgres(
                target.with_database(name), timeout=timeout, fixture="postgres_database"
            ) as c:
                migrate(c)
                c.commit()
    except BaseException:
        drop_database(target, name, timeout=timeout)
        raise
    return name
