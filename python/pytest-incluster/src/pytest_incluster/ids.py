"""Requirement IDs: the configurable format and how a marker argument is judged against it.

The same rules as incluster's ``src/trace/ids.ts``: an argument matching the format is an ID; one that
nearly does (``001-fr-001``, ``1-FR-1``) is a malformed ID; in a ``requirement`` marker both that and
anything else are errors, since the marker exists only to name requirements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_ID_PATTERN = r"^\d{3}-FR-\d{3}$"
"""The default requirement ID format: ``001-FR-001``."""

_ID_SHAPE = re.compile(r"^\d+[-_ ]?[A-Za-z]+[-_ ]?\d+$")


class IdPatternError(ValueError):
    """The configured ID pattern is not a valid regular expression."""


@dataclass(frozen=True)
class IdFormat:
    """A compiled ID format."""

    source: str
    regex: re.Pattern[str]

    def matches(self, value: str) -> bool:
        """True when ``value`` is a well-formed requirement ID."""
        return self.regex.search(value) is not None

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not a requirement ID, or None when it is one."""
        if not isinstance(value, str):
            return f"requirement IDs are strings, got {type(value).__name__} {value!r}"
        if self.matches(value):
            return None
        normalized = re.sub(r"[\s_.]+", "-", value.strip().upper())
        near = self.matches(normalized) or _ID_SHAPE.match(value.strip()) is not None
        kind = "a malformed requirement ID" if near else "not a requirement ID"
        return f"{value!r} is {kind}: expected the format {self.source}"


def compile_id_format(pattern: str = DEFAULT_ID_PATTERN) -> IdFormat:
    """Compiles the ID pattern, naming it when it is not a valid regular expression."""
    try:
        return IdFormat(pattern, re.compile(pattern))
    except re.error as error:
        raise IdPatternError(
            f"incluster_id_pattern is not a valid regular expression: {pattern!r} ({error})"
        ) from error
