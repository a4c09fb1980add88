"""What stops the collector: a config it cannot read, a test file that does not parse."""

from __future__ import annotations


class Failure(Exception):
    """Printed on stderr (JSON, or a message incluster wraps as JSON) before exiting 3."""
