"""traceability.json: the Vitest reporter's format, from pytest's reports, and pytest's JUnit."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from helpers import REPO_ROOT, run_with_evidence

OUTCOMES = """
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("no")

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("no")

@pytest.mark.requirement("001-FR-001")
def test_passes():
    pass

@pytest.mark.requirement("001-FR-002")
def test_fails():
    assert 1 == 2

@pytest.mark.requirement("001-FR-003")
def test_skipped():
    pytest.skip("not here")

@pytest.mark.requirement("001-FR-004")
@pytest.mark.xfail(reason="known")
def test_expected_failure():
    assert False

@pytest.mark.requirement("001-FR-005")
def test_setup_error(broken_setup):
    pass

@pytest.mark.requirement("001-FR-006")
def test_teardown_error(broken_teardown):
    pass

@pytest.mark.slow
def test_untagged():
    pass
"""


@pytest.mark.requirement("001-FR-091")
def test_each_test_has_its_file_line_ids_and_outcome(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_outcomes=OUTCOMES)
    pytester.makeini("[pytest]\nmarkers = slow: slow\n")
    result, evidence = run_with_evidence(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert set(evidence) == {"schemaVersion", "kind", "createdAt", "shards", "tests", "moduleErrors"}
    assert evidence["schemaVersion"] == 1
    assert evidence["kind"] == "incluster-trace-evidence"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", evidence["createdAt"])
    outcomes = {t["fullName"]: (t["ids"], t["outcome"]) for t in evidence["tests"]}
    assert outcomes == {
        "test_passes": (["001-FR-001"], "passed"),
        "test_fails": (["001-FR-002"], "failed"),
        "test_skipped": (["001-FR-003"], "skipped"),
        "test_expected_failure": (["001-FR-004"], "skipped"),
        "test_setup_error": (["001-FR-005"], "failed"),
        "test_teardown_error": (["001-FR-006"], "failed"),
        "test_untagged": ([], "passed"),
    }
    first = evidence["tests"][0]
    assert first["file"] == "test_outcomes.py"
    assert first["line"] == 12  # where pytest locates it: the first decorator
    assert first["project"] == ""
    assert isinstance(first["durationMs"], float)
    untagged = next(t for t in evidence["tests"] if t["fullName"] == "test_untagged")
    assert untagged["tags"] == ["slow"]


@pytest.mark.requirement("001-FR-091")
def test_the_format_is_the_one_incluster_reads(pytester: pytest.Pytester) -> None:
    """Checked against the zod schema's field names in src/trace/evidence.ts, when the repository is here."""
    source = REPO_ROOT / "src" / "trace" / "evidence.ts"
    if not source.is_file():
        pytest.skip("not inside the incluster repository")
    text = source.read_text()
    test_block = text[text.index("const evidenceTest = z.object({") :].split("});", 1)[0]
    fields = set(re.findall(r"^\s+(\w+)(?:: z\.|,$)", test_block, re.MULTILINE))
    pytester.makepyfile(
        test_one="import pytest\n@pytest.mark.requirement('001-FR-001')\ndef test_a():\n    pass\n"
    )
    _, evidence = run_with_evidence(pytester)
    # `classname` is what evidence read from a JUnit file carries (pytest's dotted address there);
    # the plugin names each test by file and node id instead.
    assert set(evidence["tests"][0]) == fields - {"classname"}
    assert re.search(r"EVIDENCE_SCHEMA_VERSION = 1;", text)


@pytest.mark.requirement("001-FR-091")
def test_a_file_that_fails_to_import_is_a_module_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken="import nothing_by_this_name\n", test_fine="def test_a():\n    pass\n")
    result, evidence = run_with_evidence(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert [e["file"] for e in evidence["moduleErrors"]] == ["test_broken.py"]
    assert "nothing_by_this_name" in evidence["moduleErrors"][0]["message"]


@pytest.mark.requirement("001-FR-091")
def test_paths_can_be_made_relative_to_the_repository(pytester: pytest.Pytester) -> None:
    sub = pytester.mkdir("pkg")
    (sub / "test_x.py").write_text("def test_a():\n    pass\n")
    result, evidence = run_with_evidence(
        pytester, "--rootdir=pkg", f"--incluster-evidence-root={pytester.path}", "pkg"
    )
    assert result.ret == 0
    assert evidence["tests"][0]["file"] == "pkg/test_x.py"


@pytest.mark.requirement("001-FR-091")
def test_in_a_run_pod_evidence_goes_to_the_artifacts_dir_named_per_shard(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_a():\n    pass\n")
    artifacts = pytester.mkdir("artifacts")
    monkeypatch.setenv("INCLUSTER_ARTIFACTS_DIR", str(artifacts))
    assert pytester.runpytest().ret == 0
    assert json.loads((artifacts / "traceability.json").read_text())["shards"] == []
    monkeypatch.setenv("INCLUSTER_SHARD_INDEX", "1")
    monkeypatch.setenv("INCLUSTER_SHARD_COUNT", "3")
    assert pytester.runpytest().ret == 0
    assert json.loads((artifacts / "traceability.shard-2-of-3.json").read_text())["shards"] == ["2/3"]


@pytest.mark.requirement("001-FR-091")
def test_no_evidence_is_written_unless_asked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCLUSTER_ARTIFACTS_DIR", raising=False)
    pytester.makepyfile("def test_a():\n    pass\n")
    assert pytester.runpytest().ret == 0
    assert not list(pytester.path.rglob("traceability*.json"))


@pytest.mark.requirement("001-FR-092")
def test_junit_has_a_requirements_property_per_test_case(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_outcomes=OUTCOMES)
    pytester.makeini("[pytest]\nmarkers = slow: slow\n")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(f"--junitxml={junit}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.no_fnmatch_line("*PytestWarning*")
    cases = ET.parse(junit).getroot().iter("testcase")
    properties = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")] for case in cases
    }
    assert properties["test_passes"] == [("requirements", "001-FR-001")]
    assert properties["test_fails"] == [("requirements", "001-FR-002")]
    assert properties["test_untagged"] == [("requirements", "")]
    # Each case once, whatever phases it had (the teardown error is in the same case).
    assert len(properties) == 7
