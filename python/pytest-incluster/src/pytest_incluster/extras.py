"""The optional clients: psycopg for the PostgreSQL fixtures, redis-py for ``redis_client``.

A project that uses neither installs neither; a fixture used without its extra fails naming it.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """A fixture needs a client the plugin was installed without."""


def require(module: str, extra: str, fixture: str) -> ModuleType:
    """``module`` imported, or MissingExtra naming the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"the {fixture} fixture needs the {module} package: install pytest-incluster[{extra}] "
            f"(or add {module} to your test dependencies)"
        ) from None
