"""Secret values kept out of everything the plugin writes and out of pytest's own reports.

The same rules as incluster's ``src/redaction/``: values learned from Secrets read through these
fixtures and from environment variables named like credentials are masked wherever they appear, and
well-known shapes of credentials (``password=...``, bearer tokens, private keys, ``postgres://u:p@``)
are masked even when their value was never learned.
"""

from __future__ import annotations

import base64
import html
import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"

_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"(\bauthorization:\s*(?:bearer|basic)\s+)[^\s\"']+", re.IGNORECASE),
    re.compile(
        r"(\b(?:password|passwd|pgpassword|secret|token|api[_-]?key)\b[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&}]+",
        re.IGNORECASE,
    ),
    re.compile(r"(postgres(?:ql)?://[^:/\s]+:)[^@\s]+(@)", re.IGNORECASE),
]

CREDENTIAL_NAME = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE
)
"""Variable names that say they hold a credential (PGPASSWORD, NPM_TOKEN, AWS_SECRET_ACCESS_KEY, ...)."""

_NOT_A_SECRET = re.compile(
    r"^(?:true|false|yes|no|on|off|null|undefined|none|\d+)$|^(?:/|~/|\.\.?/|[A-Za-z]:\\)", re.IGNORECASE
)


def credential_env_values(env: Mapping[str, str]) -> list[str]:
    """The values of credential-named variables, skipping flags, numbers, paths and short values."""
    values = [value.strip() for name, value in env.items() if CREDENTIAL_NAME.search(name)]
    return [value for value in values if len(value) >= 6 and not _NOT_A_SECRET.search(value)]


def _with_prefix(match: re.Match[str]) -> str:
    groups = [g for g in match.groups() if g is not None]
    if not groups:
        return MASK
    return f"{groups[0]}{MASK}{groups[1] if len(groups) > 1 else ''}"


class Redactor:
    """Hides known secret values and credential-shaped text in strings and JSON-like data."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        """Remembers a secret value (with its base64 and XML-escaped forms) so later text hides it."""
        if not value or len(value) < 4:  # masking "a" or "1" would shred every line
            return
        forms = {value, base64.b64encode(value.encode()).decode(), html.escape(value, quote=True)}
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            self._pattern = None

    def learn_secret(self, secret: Any) -> None:
        """Learns the values of a Secret (a client ``V1Secret`` or its JSON form)."""
        data = getattr(secret, "data", None) if not isinstance(secret, Mapping) else secret.get("data")
        string_data = (
            getattr(secret, "string_data", None)
            if not isinstance(secret, Mapping)
            else secret.get("stringData")
        )
        for encoded in (data or {}).values():
            self.add(encoded)
            try:
                self.add(base64.b64decode(encoded).decode())
            except (ValueError, UnicodeDecodeError):
                continue
        for plain in (string_data or {}).values():
            self.add(plain)

    def redact(self, text: str) -> str:
        """The text with every known value and credential pattern replaced by [REDACTED]."""
        known = self._known_pattern()
        out = known.sub(MASK, text) if known else text
        for pattern in _PATTERNS:
            out = pattern.sub(_with_prefix, out)
        return out

    def redact_data(self, data: Any) -> Any:
        """A copy of JSON-like data with every string redacted and Secret ``data`` values dropped."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, Mapping):
            return {
                key: (
                    {k: MASK for k in value}
                    if key in ("data", "stringData") and isinstance(value, Mapping)
                    else self.redact_data(value)
                )
                for key, value in data.items()
            }
        if isinstance(data, (list, tuple)):
            return [self.redact_data(item) for item in data]
        return data

    def _known_pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if not self._values:
                return None
            if self._pattern is None:
                # Longest first, so a value containing another is masked whole.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            return self._pattern


redactor = Redactor()
"""The process-wide redactor: the fixtures teach it, the plugin applies it to what pytest reports."""
