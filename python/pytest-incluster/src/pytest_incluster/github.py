"""Under GitHub Actions: one ``::error`` annotation per failed test, at the line it failed, and a
short summary appended to the job summary (``$GITHUB_STEP_SUMMARY``).

Active only where the runner sets ``GITHUB_ACTIONS=true``: inside incluster's runner pod it is not
set, so a test failing there is annotated once, by ``incluster run`` from the JUnit it copies out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

_MESSAGE_LIMIT = 4000
"""Characters of a failure's text in an annotation: it shows the start of a traceback."""


def enabled(env: Mapping[str, str]) -> bool:
    """True in a GitHub Actions step."""
    return env.get("GITHUB_ACTIONS") == "true"


def annotation(
    level: str, message: str, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """The workflow command for an annotation, escaped as the runner unescapes it."""
    properties = [
        f"file={_escape_property(file)}" if file is not None else None,
        f"line={line}" if line is not None else None,
        f"title={_escape_property(title)}" if title is not None else None,
    ]
    shown = ",".join(p for p in properties if p)
    return f"::{level}{' ' + shown if shown else ''}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass
class _Failure:
    nodeid: str
    when: str
    file: str | None
    line: int | None
    text: str


class GitHubReporter:
    """Collects the failed tests' reports and writes their annotations and the summary at the end."""

    def __init__(self, rootdir: Path, env: Mapping[str, str]) -> None:
        self.rootdir = rootdir
        self.env = env
        self.workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
        self.failures: dict[str, _Failure] = {}
        self.counts: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed:
            self.counts["passed"] += 1
        elif report.skipped and report.when in ("setup", "call"):
            self.counts["skipped"] += 1
        if report.failed and report.nodeid not in self.failures:  # one per test, its first failure
            self.counts["failed"] += 1
            self.failures[report.nodeid] = self._failure(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and report.nodeid not in self.failures:
            path = self._workspace_path(self.rootdir / report.nodeid.partition("::")[0])
            self.failures[report.nodeid] = _Failure(
                report.nodeid, "collect", path, None, str(report.longrepr)
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for failure in self.failures.values():
            title = failure.nodeid if failure.when == "call" else f"{failure.nodeid} ({failure.when})"
            text = (
                failure.text if len(failure.text) <= _MESSAGE_LIMIT else f"{failure.text[:_MESSAGE_LIMIT]}\n…"
            )
            terminalreporter.write_line(annotation("error", text, failure.file, failure.line, title))
        self._append_summary()

    def _failure(self, report: pytest.TestReport) -> _Failure:
        test_file = self.rootdir / report.location[0]
        line = report.location[1] + 1 if report.location[1] is not None else None
        # The last traceback entry in the test's own file is the line that failed there.
        entries = getattr(getattr(report.longrepr, "reprtraceback", None), "reprentries", None) or []
        for entry in reversed(entries):
            location = getattr(entry, "reprfileloc", None)
            if location is not None and self._same_file(location.path, test_file):
                line = location.lineno
                break
        return _Failure(
            report.nodeid, report.when, self._workspace_path(test_file), line, report.longreprtext
        )

    def _same_file(self, path: str, test_file: Path) -> bool:
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate
        try:
            return candidate.resolve() == test_file.resolve()
        except OSError:
            return False

    def _workspace_path(self, path: Path) -> str:
        absolute = path.resolve()
        try:
            return absolute.relative_to(self.workspace).as_posix()
        except ValueError:
            return absolute.as_posix()

    def _append_summary(self) -> None:
        target = self.env.get("GITHUB_STEP_SUMMARY")
        if not target:
            return
        counts = self.counts
        lines = [
            f"### pytest: {'FAILED' if self.failures else 'PASSED'}",
            "",
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped.",
        ]
        if self.failures:
            lines += ["", f"**Failed tests** ({len(self.failures)})", ""]
            for failure in list(self.failures.values())[:20]:
                where = f"{failure.file}:{failure.line}" if failure.line else str(failure.file)
                lines.append(
                    f"- `{where}` {failure.nodeid}" + ("" if failure.when == "call" else f" ({failure.when})")
                )
        with Path(target).open("a", encoding="utf-8") as summary:
            summary.write("\n".join(lines) + "\n\n")


def register(config: pytest.Config) -> None:
    """Registers the reporter under GitHub Actions, in the process that reports (not xdist workers)."""
    if enabled(os.environ) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(GitHubReporter(config.rootpath, os.environ), "incluster-github")
