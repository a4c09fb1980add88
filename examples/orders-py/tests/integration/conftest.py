"""Each test gets the order book in a database of its own, cloned from a template that holds the schema.

incluster's pytest plugin makes the template once per session with ``postgres_schema`` and clones it
for every test that asks for ``postgres_database`` (a file copy, no migration); the clone is dropped
after the test, whatever it left behind.
"""

from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from orders import OrderStore


@pytest.fixture(scope="session")
def postgres_schema() -> Callable[[psycopg.Connection[Any]], None]:
    """The order book's tables, created once in the template database."""
    return lambda connection: OrderStore(connection).create_schema()


@pytest.fixture
def store(postgres_database: Any) -> OrderStore:
    return OrderStore(postgres_database.connection)
