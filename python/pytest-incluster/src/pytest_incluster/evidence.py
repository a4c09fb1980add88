"""Run-time evidence in the format of incluster's Vitest reporter (``src/trace/evidence.ts``).

Built from pytest's test reports (not from the items), so it is the same whether the tests ran in
this process or in pytest-xdist workers. ``incluster trace --require-passing`` reads the file, and
``incluster run`` merges it with the other shards' ``traceability*.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from .ownership import iso_time
from .redaction import Redactor

EVIDENCE_SCHEMA_VERSION = 1
"""The version of the traceability.json format."""
REQUIREMENTS_PROPERTY = "requirements"
"""The JUnit property (and ``user_properties`` name) carrying a test's IDs, comma-separated."""

Outcome = Literal["passed", "failed", "skipped"]


@dataclass
class _Test:
    file: str
    line: int | None
    full_name: str
    ids: list[str]
    tags: list[str]
    outcome: Outcome | None = None
    duration_ms: float = 0.0


def requirement_ids_of(user_properties: list[tuple[str, object]]) -> list[str]:
    """The IDs recorded in a report's ``user_properties``."""
    ids: list[str] = []
    for name, value in user_properties:
        if name == REQUIREMENTS_PROPERTY:
            ids.extend(part for part in str(value).split(",") if part and part not in ids)
    return ids


@dataclass
class EvidenceRecorder:
    """Gathers each test's IDs and outcome from its reports, and writes traceability.json."""

    rootdir: Path
    """Where pytest's node ids are relative to."""
    relative_to: Path
    """Where the evidence's ``file`` paths are relative to (the repository, for ``incluster trace``)."""
    redactor: Redactor
    shard: str | None = None
    _tests: dict[str, _Test] = field(default_factory=dict)
    _module_errors: list[dict[str, str]] = field(default_factory=list)

    def record(self, report: Any) -> None:
        """Takes one phase's report (setup, call or teardown) of one test."""
        test = self._tests.get(report.nodeid)
        if test is None:
            file, _, name = report.nodeid.partition("::")
            line = report.location[1] if report.location and report.location[1] is not None else None
            ids = requirement_ids_of(list(report.user_properties))
            test = _Test(
                file=self._file(file),
                line=line + 1 if line is not None else None,
                full_name=self.redactor.redact(name or file),
                ids=ids,
                tags=list(getattr(report, "incluster_tags", None) or ids),
            )
            self._tests[report.nodeid] = test
        test.duration_ms += (report.duration or 0.0) * 1000
        if report.failed:
            test.outcome = "failed"
        elif report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
            test.outcome = test.outcome or "passed"
        elif report.passed and hasattr(report, "wasxfail"):
            test.outcome = test.outcome or "passed"  # an unexpected pass, not strict: it ran and passed
        elif report.skipped:
            test.outcome = test.outcome or "skipped"  # skipped, or an expected failure (verifies nothing)

    def record_collect_error(self, nodeid: str, message: str) -> None:
        """A test file that failed before its tests ran (syntax error, failing import)."""
        file = nodeid.partition("::")[0]
        self._module_errors.append({"file": self._file(file), "message": self.redactor.redact(message)})

    def evidence(self, now: datetime | None = None) -> dict[str, Any]:
        """The content of traceability.json."""
        tests = []
        for test in self._tests.values():
            entry: dict[str, Any] = {"file": test.file}
            if test.line is not None:
                entry["line"] = test.line
            entry.update(
                fullName=test.full_name,
                project="",
                ids=test.ids,
                tags=test.tags,
                outcome=test.outcome or "skipped",
                durationMs=round(test.duration_ms, 3),
            )
            tests.append(entry)
        return {
            "schemaVersion": EVIDENCE_SCHEMA_VERSION,
            "kind": "incluster-trace-evidence",
            "createdAt": iso_time(now or datetime.now(timezone.utc)),
            "shards": [self.shard] if self.shard else [],
            "tests": tests,
            "moduleErrors": list(self._module_errors),
        }

    def write(self, path: Path) -> Path:
        """Writes the evidence as JSON (secrets redacted) and returns the path written."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.redactor.redact_data(self.evidence())
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return path

    def _file(self, nodeid_file: str) -> str:
        absolute = (self.rootdir / nodeid_file).resolve()
        try:
            return Path(os.path.relpath(absolute, self.relative_to.resolve())).as_posix()
        except ValueError:  # another drive on Windows
            return absolute.as_posix()


def shard_from_env(env: dict[str, str] | os._Environ[str]) -> str | None:
    """``i/n`` (counted from 1) under a sharded ``incluster run``, else None."""
    index, count = env.get("INCLUSTER_SHARD_INDEX", ""), env.get("INCLUSTER_SHARD_COUNT", "")
    if not index.isdigit() or not count.isdigit() or int(count) <= 1:
        return None
    return f"{int(index) + 1}/{int(count)}"
