"""Runs the collector as a file: ``python3 -I .../pytest_incluster/collector/__main__.py``.

incluster's CLI runs it this way from the package it ships (nothing installed, isolated mode, so
the project's own files never shadow a module); ``python -m pytest_incluster.collector`` works too
where the plugin is installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info < (3, 9):  # noqa: UP036  (this file is what tells an old Python apart)
    # Before the imports below, which need 3.9: the CLI names the interpreter and what it needs.
    sys.stderr.write('{"tooOld": "%d.%d"}\n' % sys.version_info[:2])  # noqa: UP031  (read by old Pythons)
    sys.exit(3)

if not __package__:
    # Run as a file: import the package from the folder this file is in, not from the working
    # directory or an installed copy of another version.
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from pytest_incluster.collector.main import main

sys.exit(main())
