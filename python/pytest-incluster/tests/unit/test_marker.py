"""The requirement marker: registered, stacked, on every level pytest puts marks, validated."""

from __future__ import annotations

import pytest

from helpers import run_with_evidence

pytestmark = pytest.mark.requirement("001-FR-090")


def ids_by_name(evidence: dict) -> dict[str, list[str]]:
    return {test["fullName"]: test["ids"] for test in evidence["tests"]}


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.requirement("001-FR-001")
        def test_a():
            pass
        """
    )
    assert pytester.runpytest("--strict-markers").ret == 0
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.requirement(*ids):*"])


def test_ids_come_from_stacked_markers_classes_modules_and_parameter_sets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest import mark as m

        pytestmark = [pytest.mark.requirement("001-FR-001")]

        @pytest.mark.requirement("001-FR-003")
        @pytest.mark.requirement("001-FR-002")
        def test_stacked():
            pass

        @m.requirement("001-FR-004", "001-FR-005")
        def test_several_in_one():
            pass

        @pytest.mark.requirement("001-FR-006")
        class TestGroup:
            @pytest.mark.requirement(id="001-FR-007")
            def test_in_class(self):
                pass

        @pytest.mark.parametrize(
            "n", [1, pytest.param(2, marks=pytest.mark.requirement("001-FR-008"))]
        )
        def test_param(n):
            pass
        """
    )
    result, evidence = run_with_evidence(pytester)
    assert result.ret == 0
    assert ids_by_name(evidence) == {
        "test_stacked": ["001-FR-001", "001-FR-002", "001-FR-003"],
        "test_several_in_one": ["001-FR-001", "001-FR-004", "001-FR-005"],
        "TestGroup::test_in_class": ["001-FR-001", "001-FR-006", "001-FR-007"],
        "test_param[1]": ["001-FR-001"],
        "test_param[2]": ["001-FR-001", "001-FR-008"],
    }


def test_a_malformed_id_is_a_usage_error_naming_file_and_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.requirement("001-fr-001")
        def test_lowercase():
            pass

        @pytest.mark.requirement("smoke")
        def test_not_an_id():
            pass

        @pytest.mark.requirement()
        def test_empty():
            pass

        @pytest.mark.requirement(1)
        def test_number():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*invalid requirement markers:",
            "*test_bad.py:3: test_lowercase: '001-fr-001' is a malformed requirement ID: expected the format*",
            "*test_bad.py:7: test_not_an_id: 'smoke' is not a requirement ID*",
            "*test_bad.py:11: test_empty: requirement() names no ID",
            "*test_bad.py:15: test_number: requirement IDs are strings, got int 1",
        ]
    )


def test_the_id_pattern_is_configurable(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nincluster_id_pattern = ^REQ-\\d+$\n")
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.requirement("REQ-12")
        def test_a():
            pass
        """
    )
    result, evidence = run_with_evidence(pytester)
    assert result.ret == 0
    assert evidence["tests"][0]["ids"] == ["REQ-12"]


def test_an_invalid_id_pattern_is_named(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nincluster_id_pattern = ^(\n")
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*incluster_id_pattern is not a valid regular expression: '^('*"])


def test_untagged_tests_fail_only_when_markers_are_required(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_untagged():\n    pass\n")
    assert pytester.runpytest().ret == 0
    pytester.makeini("[pytest]\nincluster_require_marker = true\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*.py:1: test_untagged: no requirement marker*"])


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.requirement("nonsense")
        def test_a():
            pass
        """
    )
    assert pytester.runpytest("-p", "no:incluster").ret == 0


@pytest.mark.requirement("001-FR-161")
def test_a_list_or_tuple_names_several_ids(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.requirement(["001-FR-002", "001-FR-001"])
        def test_list():
            pass

        @pytest.mark.requirement(("001-FR-003",), "001-FR-004")
        def test_tuple_and_string():
            pass

        @pytest.mark.requirement(id=["001-FR-005"])
        def test_keyword_list():
            pass
        """
    )
    result, evidence = run_with_evidence(pytester)
    assert result.ret == 0
    assert ids_by_name(evidence) == {
        "test_list": ["001-FR-001", "001-FR-002"],
        "test_tuple_and_string": ["001-FR-003", "001-FR-004"],
        "test_keyword_list": ["001-FR-005"],
    }


@pytest.mark.requirement("001-FR-161")
def test_a_bad_id_inside_a_list_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad='import pytest\n@pytest.mark.requirement(["001-FR-001", "smoke"])\ndef test_a():\n    pass\n'
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_bad.py:2: test_a: 'smoke' is not a requirement ID*"])
