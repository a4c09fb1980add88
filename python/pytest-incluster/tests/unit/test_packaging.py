"""The plugin as users get it: one licence with incluster, a wheel, the database clients as extras."""

from __future__ import annotations

import json
import os
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.requirement("001-FR-172")


def wheel_metadata() -> tuple[Path, dict[str, list[str]]]:
    wheel = os.environ.get("INCLUSTER_PLUGIN_WHEEL")
    if not wheel:
        pytest.skip("INCLUSTER_PLUGIN_WHEEL is set by ci.sh, which builds the wheel")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(name).decode())
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    return Path(wheel), fields


def test_the_wheel_is_apache_licensed_and_psycopg_and_redis_are_extras() -> None:
    wheel, fields = wheel_metadata()
    assert fields["License-Expression"] == ["Apache-2.0"]
    with zipfile.ZipFile(wheel) as archive:
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())
        assert "pytest_incluster/collector/__main__.py" in archive.namelist()
    required = fields["Requires-Dist"]
    hard = [r for r in required if "extra ==" not in r]
    assert not any(r.startswith(("psycopg", "redis")) for r in hard), hard
    assert "psycopg[binary]>=3.1; extra == 'postgres'" in required
    assert "redis>=5.0; extra == 'redis'" in required
    # The LICENSE at the repository root and the plugin's are the same text: one licence.
    repo_licence = Path(__file__).resolve().parents[4] / "LICENSE"
    assert (Path(__file__).resolve().parents[2] / "LICENSE").read_text() == repo_licence.read_text()


def test_the_plugin_running_these_tests_was_installed_from_the_wheel() -> None:
    wheel_metadata()
    direct = metadata.distribution("pytest-incluster").read_text("direct_url.json")
    assert direct is not None
    origin = json.loads(direct)
    assert origin["url"].endswith(".whl"), origin
    assert not origin.get("dir_info", {}).get("editable")


def test_a_postgres_fixture_without_the_extra_names_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import sys
        import pytest
        from pytest_incluster.postgres import PostgresTarget

        sys.modules["psycopg"] = None  # as if pytest-incluster[postgres] were not installed

        @pytest.fixture(scope="session")
        def postgres_target():
            return PostgresTarget(host="127.0.0.1", port=1, user="u", dbname="d", via="env")
        """
    )
    pytester.makepyfile("def test_db(postgres_connection):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    missing = r".*MissingExtra: the postgres_connection fixture needs the psycopg package: install pytest-incluster\[postgres\]"
    result.stdout.re_match_lines([missing])
