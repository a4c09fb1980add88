"""``--shard=K/N``: run every N-th test, the K-th of N parts, as ``incluster run --shards N`` asks.

The runner appends ``--shard=<i+1>/<n>`` to the test command of each pod of a sharded Job (Vitest's
own option has that name and form). Items are dealt round-robin in collection order, which every
pod computes the same way from the same image, so the parts are disjoint and cover the whole suite.
"""

from __future__ import annotations

import re

import pytest

_SHARD = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


def parse_shard(value: str) -> tuple[int, int]:
    """``"2/3"`` → ``(2, 3)``; anything else is a usage error quoting it."""
    match = _SHARD.match(value.strip())
    if not match or int(match.group(1)) > int(match.group(2)):
        raise pytest.UsageError(f"Expected --shard=K/N with 1 <= K <= N (e.g. --shard=1/3), got `{value}`")
    return int(match.group(1)), int(match.group(2))


def select_shard(config: pytest.Config, items: list[pytest.Item], shard: str) -> None:
    """Keeps this shard's items in ``items`` and reports the others as deselected."""
    index, count = parse_shard(shard)
    kept = [item for position, item in enumerate(items) if position % count == index - 1]
    dropped = [item for position, item in enumerate(items) if position % count != index - 1]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
