"""Under GitHub Actions: one ::error per failed test at the line it failed, and the job summary."""

from __future__ import annotations

import re

import pytest

from pytest_incluster.github import annotation

FAILING = """
import pytest

def helper(value):
    assert value == 2

@pytest.mark.requirement("001-FR-001")
def test_passes():
    pass

@pytest.mark.requirement("001-FR-002")
def test_fails():
    x = 1
    assert x == 2, "one is not two"

def test_fails_in_a_helper():
    helper(1)

@pytest.fixture
def broken():
    yield
    raise RuntimeError("teardown broke")

def test_fails_twice(broken):
    assert False
"""


def _errors(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("::error")]


@pytest.mark.requirement("001-FR-212")
def test_each_failed_test_is_annotated_once_at_its_line(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(pytester.path))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    pytester.makepyfile(test_broken=FAILING)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=3, errors=1)
    errors = _errors(result)
    # One per failed test: the one that failed in its call and its teardown is annotated once.
    assert len(errors) == 3, result.stdout.str()
    by_test = {re.search(r"title=([^,:]+)", line).group(1): line for line in errors}
    assert by_test["test_broken.py%3A%3Atest_fails"].startswith("::error file=test_broken.py,line=13,")
    # The failing assertion's line, also in a helper of the test file.
    assert "file=test_broken.py,line=4," in by_test["test_broken.py%3A%3Atest_fails_in_a_helper"]
    assert "one is not two" in by_test["test_broken.py%3A%3Atest_fails"]
    # Newlines of the traceback are escaped: the command is one line.
    assert "%0A" in by_test["test_broken.py%3A%3Atest_fails"]
    text = summary.read_text()
    assert text.startswith("### pytest: FAILED\n")
    assert "1 passed, 3 failed, 0 skipped." in text
    assert "- `test_broken.py:13` test_broken.py::test_fails" in text


@pytest.mark.requirement("001-FR-212")
def test_nothing_outside_github_actions(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # As in incluster's runner pod: no GitHub variables, so incluster run annotates from the JUnit.
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    pytester.makepyfile(test_broken=FAILING)
    result = pytester.runpytest()
    assert _errors(result) == []
    assert not summary.exists()


@pytest.mark.requirement("001-FR-212")
def test_annotation_values_are_escaped() -> None:
    assert annotation("error", "50% done\r\nnext", "a,b:c.py", 3, "t::x") == (
        "::error file=a%2Cb%3Ac.py,line=3,title=t%3A%3Ax::50%25 done%0D%0Anext"
    )
    assert annotation("warning", "plain") == "::warning::plain"
