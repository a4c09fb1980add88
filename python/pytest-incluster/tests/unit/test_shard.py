"""--shard=K/N: the parts are disjoint, cover the suite, and a bad value is a usage error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.requirement("001-FR-113")

SUITE = """
import pytest

@pytest.mark.parametrize("n", range(7))
def test_case(n):
    pass
"""


def passed_names(result: pytest.RunResult) -> set[str]:
    return {line.split(" ")[0] for line in result.outlines if " PASSED" in line}


def test_the_shards_split_the_suite_without_overlap(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    parts = []
    for index in (1, 2, 3):
        result = pytester.runpytest("-v", f"--shard={index}/3")
        assert result.ret == 0
        parts.append(passed_names(result))
    assert [len(part) for part in parts] == [3, 2, 2]
    assert set.union(*parts) == passed_names(pytester.runpytest("-v"))
    assert sum(len(part) for part in parts) == 7


def test_deselected_tests_are_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("--shard=2/2")
    result.assert_outcomes(passed=3, deselected=4)


@pytest.mark.parametrize("value", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest(f"--shard={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*Expected --shard=K/N*got `{value}`*"])
