"""The fixtures' namespaces carry incluster's own labels, so `incluster sweep` finds them."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from helpers import REPO_ROOT
from pytest_incluster import ownership
from pytest_incluster.namespace import namespace_name_for

pytestmark = pytest.mark.requirement("001-FR-094")


def test_the_names_are_those_of_src_ownership_ts() -> None:
    source = REPO_ROOT / "src" / "ownership.ts"
    if not source.is_file():
        pytest.skip("not inside the incluster repository")
    constants = dict(re.findall(r"(?:export )?const (\w+) = '([^']+)';", source.read_text()))
    for name in (
        "MANAGED_BY_LABEL",
        "MANAGED_BY_VALUE",
        "RUN_ID_LABEL",
        "TEST_ID_LABEL",
        "EXPIRES_AT_ANNOTATION",
        "TEST_NAME_ANNOTATION",
    ):
        assert getattr(ownership, name) == constants[name], name


def test_namespace_names_are_dns_labels() -> None:
    name = namespace_name_for("test_Orders[bad id]::" + "x" * 100, suffix="abc123")
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,61}[a-z0-9]", name)
    assert len(name) <= 63
    assert name.endswith("-abc123")
    assert namespace_name_for("123", suffix="abc123") == "t-123-abc123"


def test_run_ids_and_label_values() -> None:
    run_id = ownership.new_run_id(datetime(2026, 11, 24, 15, 3, 12, tzinfo=timezone.utc))
    assert re.fullmatch(r"20261124-150312-[0-9a-f]{4}", run_id)
    assert ownership.label_value("--a b/c--") == "a-b-c"
    assert ownership.label_value("///") == "x"


def test_expiry_is_written_as_javascript_does() -> None:
    moment = datetime(2026, 1, 9, 10, 0, 0, 123456, tzinfo=timezone.utc)
    assert ownership.iso_time(moment) == "2026-01-09T10:00:00.123Z"
