"""Amount parsing and formatting: no database."""

import pytest

from orders import format_cents, parse_cents

pytestmark = pytest.mark.requirement("001-FR-004")


@pytest.mark.parametrize(("text", "cents"), [("12", 1200), ("12.5", 1250), ("0.07", 7), (" 3.10 ", 310)])
def test_amounts_parse_to_exact_cents(text: str, cents: int) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["", "-1", "1.234", "1,50", "one"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_cents(text)


def test_cents_format_with_two_decimals() -> None:
    assert [format_cents(c) for c in (0, 7, 1250)] == ["0.00", "0.07", "12.50"]
