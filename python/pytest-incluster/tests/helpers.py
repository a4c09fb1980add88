"""Shared helpers of the plugin's own tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def run_with_evidence(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    """Runs pytest in-process with evidence written, and returns the result and the evidence."""
    path = pytester.path / "out" / "traceability.json"
    result = pytester.runpytest(f"--incluster-evidence={path}", *args)
    return result, json.loads(path.read_text())
