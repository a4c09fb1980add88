"""The order book: orders and their lines, in two tables, one transaction per change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id bigserial PRIMARY KEY,
    customer text NOT NULL CHECK (customer <> ''),
    placed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    item text NOT NULL,
    cents bigint NOT NULL CHECK (cents >= 0),
    quantity integer NOT NULL CHECK (quantity > 0)
);
"""


class UnknownOrder(LookupError):
    """No order has that id."""


@dataclass(frozen=True)
class Order:
    id: int
    customer: str
    lines: tuple[tuple[str, int, int], ...]

    @property
    def total_cents(self) -> int:
        return sum(cents * quantity for _, cents, quantity in self.lines)


class OrderStore:
    """Orders in the database ``connection`` reaches; ``create_schema`` makes the tables."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def create_schema(self) -> None:
        with self.connection.transaction():
            self.connection.execute(SCHEMA)

    def place(self, customer: str, lines: list[tuple[str, int, int]]) -> Order:
        """Stores an order with its lines (item, cents, quantity), all or nothing."""
        if not lines:
            raise ValueError("an order needs at least one line")
        with self.connection.transaction():
            row = self.connection.execute(
                "INSERT INTO orders (customer) VALUES (%s) RETURNING id", (customer,)
            ).fetchone()
            assert row is not None
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO order_lines (order_id, item, cents, quantity) VALUES (%s, %s, %s, %s)",
                    [(row[0], item, cents, quantity) for item, cents, quantity in lines],
                )
        return self.get(row[0])

    def get(self, order_id: int) -> Order:
        head = self.connection.execute("SELECT customer FROM orders WHERE id = %s", (order_id,)).fetchone()
        if head is None:
            raise UnknownOrder(order_id)
        lines = self.connection.execute(
            "SELECT item, cents, quantity FROM order_lines WHERE order_id = %s ORDER BY item",
            (order_id,),
        ).fetchall()
        return Order(order_id, head[0], tuple(lines))

    def for_customer(self, customer: str) -> list[Order]:
        ids = self.connection.execute(
            "SELECT id FROM orders WHERE customer = %s ORDER BY id", (customer,)
        ).fetchall()
        return [self.get(order_id) for (order_id,) in ids]
