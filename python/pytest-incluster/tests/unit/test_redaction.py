"""Secrets the plugin knows stay out of pytest's console and JUnit, the evidence and the bundles."""

from __future__ import annotations

import base64

import pytest

from pytest_incluster.redaction import MASK, Redactor, credential_env_values

pytestmark = pytest.mark.requirement("001-FR-093")

SECRET = "s3cr3t-Value-91"


def test_learned_values_and_their_encodings_are_masked() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert redactor.redact(f"got {SECRET} and {encoded}") == f"got {MASK} and {MASK}"


def test_secret_objects_teach_their_values() -> None:
    redactor = Redactor()
    redactor.learn_secret({"data": {"password": base64.b64encode(b"pw-from-secret").decode()}})
    assert redactor.redact("pw-from-secret") == MASK


def test_credential_shapes_are_masked_without_being_learned() -> None:
    redactor = Redactor()
    assert redactor.redact("password=abc123 token: xyz") == f"password={MASK} token: {MASK}"
    assert redactor.redact("postgresql://app:pw@db:5432/app") == f"postgresql://app:{MASK}@db:5432/app"
    assert redactor.redact("Authorization: Bearer abc.def") == f"Authorization: Bearer {MASK}"


def test_short_values_are_not_learned() -> None:
    redactor = Redactor()
    redactor.add("ab")
    assert redactor.redact("about") == "about"


def test_data_is_redacted_deeply_and_secret_data_dropped() -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    data = {"kind": "Secret", "data": {"password": "eA=="}, "items": [f"x {SECRET}"]}
    assert redactor.redact_data(data) == {
        "kind": "Secret",
        "data": {"password": MASK},
        "items": [f"x {MASK}"],
    }


def test_only_credential_named_variables_with_secret_looking_values_count() -> None:
    env = {
        "PGPASSWORD": SECRET,
        "NPM_TOKEN": "npm_abcdef123",
        "HOME": "/root",
        "SECRET_FILE": "/run/secret",
        "USE_TOKEN": "true",
        "API_KEY": "12345678",
    }
    assert sorted(credential_env_values(env)) == sorted([SECRET, "npm_abcdef123"])


def test_a_password_from_the_environment_never_reaches_console_junit_or_evidence(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", SECRET)
    pytester.makepyfile(
        test_leaky=f"""
        import os, pytest

        @pytest.mark.requirement("001-FR-001")
        def test_prints_and_asserts_the_password():
            print("the password is", os.environ["POSTGRES_PASSWORD"])
            assert os.environ["POSTGRES_PASSWORD"] == "wrong"

        @pytest.mark.parametrize("value", ["{SECRET}"])
        def test_param(value):
            pass
        """
    )
    junit = pytester.path / "junit.xml"
    evidence = pytester.path / "evidence.json"
    # In a subprocess, so this process's redactor learns nothing and hides nothing from the assertions.
    result = pytester.runpytest_subprocess(f"--junitxml={junit}", f"--incluster-evidence={evidence}", "-rfE")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    console = result.stdout.str() + result.stderr.str()
    assert "the password is [REDACTED]" in console
    # The crash line stays pytest's own (what JUnit's message and -r summaries show).
    result.stdout.fnmatch_lines(
        ["FAILED test_leaky.py::test_prints_and_asserts_the_password - AssertionError*"]
    )
    assert SECRET not in console
    # Parameter ids are also masked in what the plugin writes (pytest's -v progress lines print them as they are).
    for text in (junit.read_text(), evidence.read_text()):
        assert SECRET not in text
        assert "test_param[[REDACTED]]" in text


def test_a_secret_in_a_collection_error_is_masked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_SECRET", SECRET)
    pytester.makepyfile(test_bad=f"raise RuntimeError('{SECRET}')\n")
    evidence = pytester.path / "evidence.json"
    result = pytester.runpytest(f"--incluster-evidence={evidence}")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert SECRET not in result.stdout.str()
    assert SECRET not in evidence.read_text()
