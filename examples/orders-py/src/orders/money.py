"""Amounts are whole cents: floats would lose them, and PostgreSQL stores them as bigint."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"^(\d+)(?:\.(\d{1,2}))?$")


def parse_cents(text: str) -> int:
    """``"12.5"`` → 1250; anything but a non-negative amount with at most two decimals is a ValueError."""
    match = _AMOUNT.match(text.strip())
    if not match:
        raise ValueError(f"not an amount: {text!r}")
    whole, fraction = match.groups()
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))


def format_cents(cents: int) -> str:
    """1250 → ``"12.50"``."""
    if cents < 0:
        raise ValueError(f"negative amount: {cents}")
    return f"{cents // 100}.{cents % 100:02d}"
