"""Each test gets the order book in a schema of its own, dropped afterwards, on incluster's connection."""

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from orders import OrderStore


@pytest.fixture
def store(postgres_connection: psycopg.Connection[Any]) -> Iterator[OrderStore]:
    schema = f"test_{uuid4().hex[:12]}"
    postgres_connection.execute(f'CREATE SCHEMA "{schema}"')
    postgres_connection.execute(f'SET search_path TO "{schema}"')
    orders = OrderStore(postgres_connection)
    orders.create_schema()
    postgres_connection.commit()
    yield orders
    postgres_connection.rollback()  # whatever a failed test left open
    postgres_connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    postgres_connection.commit()
