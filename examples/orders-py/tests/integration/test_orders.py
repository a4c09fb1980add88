"""The order book against the cluster's PostgreSQL (runs inside the cluster: incluster run)."""

import os

import psycopg
import pytest

from orders import OrderStore, UnknownOrder


@pytest.mark.requirement("001-FR-001")
def test_a_placed_order_reads_back_whole(store: OrderStore) -> None:
    placed = store.place("ada", [("tea", 350, 2), ("cake", 420, 1)])
    again = store.get(placed.id)
    assert again == placed
    assert again.customer == "ada"
    assert again.total_cents == 1120


@pytest.mark.requirement("001-FR-001")
def test_an_unknown_order_is_reported(store: OrderStore) -> None:
    with pytest.raises(UnknownOrder):
        store.get(999_999)


@pytest.mark.requirement("001-FR-002")
@pytest.mark.parametrize(
    ("customer", "lines"),
    [("ada", []), ("", [("tea", 350, 1)]), ("ada", [("tea", 350, 1), ("refund", -100, 1)])],
)
def test_a_broken_order_stores_nothing(store: OrderStore, customer: str, lines: list) -> None:
    with pytest.raises((ValueError, psycopg.errors.CheckViolation)):
        store.place(customer, lines)
    assert store.connection.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    assert store.connection.execute("SELECT count(*) FROM order_lines").fetchone() == (0,)


@pytest.mark.requirement("001-FR-003")
def test_a_customers_orders_come_oldest_first(store: OrderStore) -> None:
    first = store.place("grace", [("coffee", 300, 1)])
    store.place("ada", [("tea", 350, 1)])
    second = store.place("grace", [("scone", 250, 3)])
    assert [order.id for order in store.for_customer("grace")] == [first.id, second.id]


@pytest.mark.requirement("001-FR-005")
@pytest.mark.skipif("KUBERNETES_SERVICE_HOST" not in os.environ, reason="inside the cluster only")
def test_no_connection_arguments_are_needed_in_the_cluster() -> None:
    with psycopg.connect() as connection:
        assert connection.execute("SELECT current_database()").fetchone() == (os.environ["PGDATABASE"],)
