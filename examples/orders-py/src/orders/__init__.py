"""An order book kept in PostgreSQL."""

from .money import format_cents, parse_cents
from .store import Order, OrderStore, UnknownOrder

__all__ = ["Order", "OrderStore", "UnknownOrder", "format_cents", "parse_cents"]
