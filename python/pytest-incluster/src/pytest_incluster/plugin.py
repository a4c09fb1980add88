"""The pytest plugin: the ``requirement`` marker, traceability evidence, redaction and the fixtures.

Loaded through the ``pytest11`` entry point once the package is installed (``-p no:incluster``
turns it off).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from . import data_fixtures, fixtures, github
from .collector.collection import BUILTIN_MARKS
from .evidence import REQUIREMENTS_PROPERTY, EvidenceRecorder, shard_from_env
from .fixtures import BUNDLE_KEY, REPORTS_KEY
from .ids import IdFormat, IdPatternError, compile_id_format
from .redaction import credential_env_values, redactor
from .settings import add_options
from .shard import select_shard

_FORMAT_KEY = pytest.StashKey[IdFormat]()
_TAGS_KEY = pytest.StashKey[list[str]]()

# Markers pytest and this plugin define: not tags in the evidence (the static collector's list, so
# `incluster trace` and the evidence agree).
_BUILTIN_MARKERS = frozenset(BUILTIN_MARKS)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    # The fixtures live in their own modules; registered here so pytest finds them by name.
    config.pluginmanager.register(fixtures, "incluster-fixtures")
    config.pluginmanager.register(data_fixtures, "incluster-data-fixtures")
    config.addinivalue_line(
        "markers",
        "requirement(*ids): the requirement IDs (e.g. 001-FR-001) this test verifies; stack it for several",
    )
    config.addinivalue_line(
        "markers",
        "apply_manifests(*paths, timeout=None): apply these manifests into the test's namespace "
        "(test_namespace) and wait until they are ready before the test",
    )
    try:
        config.stash[_FORMAT_KEY] = compile_id_format(str(config.getini("incluster_id_pattern")))
    except IdPatternError as error:
        raise pytest.UsageError(str(error)) from None
    for value in credential_env_values(os.environ):
        redactor.add(value)
    if not hasattr(config, "workerinput"):  # an xdist worker's reports are printed by its controller
        config.pluginmanager.register(_BundlePointer(config), "incluster-bundle-pointer")
    path = _evidence_path(config)
    if path is not None and not hasattr(config, "workerinput"):  # xdist workers report to the controller
        root = config.getoption("incluster_evidence_root")
        recorder = EvidenceRecorder(
            rootdir=config.rootpath,
            relative_to=Path(root).resolve() if root else config.rootpath,
            redactor=redactor,
            shard=shard_from_env(os.environ),
        )
        config.pluginmanager.register(_EvidenceWriter(recorder, path), "incluster-evidence")
    github.register(config)


def _evidence_path(config: pytest.Config) -> Path | None:
    option = config.getoption("incluster_evidence")
    if option:
        return Path(option).resolve()
    artifacts = os.environ.get("INCLUSTER_ARTIFACTS_DIR")
    if not artifacts:
        return None
    shard = shard_from_env(os.environ)
    suffix = f".shard-{shard.replace('/', '-of-')}" if shard else ""
    return Path(artifacts) / f"traceability{suffix}.json"


def requirement_ids(item: pytest.Item, id_format: IdFormat) -> tuple[list[str], list[str]]:
    """The item's IDs from every ``requirement`` marker (sorted), and the problems found."""
    ids: list[str] = []
    problems: list[str] = []
    for marker in item.iter_markers(name="requirement"):
        values: list[object] = []
        for value in [*marker.args, *([marker.kwargs["id"]] if "id" in marker.kwargs else [])]:
            # requirement(["A", "B"]) names several, as requirement("A", "B") does.
            values.extend(value if isinstance(value, (list, tuple)) else [value])
        unexpected = sorted(set(marker.kwargs) - {"id"})
        if unexpected:
            problems.append(f"unexpected argument {', '.join(unexpected)} to requirement")
        if not values:
            problems.append("requirement() names no ID")
        for value in values:
            problem = id_format.problem(value)
            if problem:
                problems.append(problem)
            elif isinstance(value, str) and value not in ids:
                ids.append(value)
    return sorted(ids), problems


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    id_format = config.stash[_FORMAT_KEY]
    require = bool(config.getini("incluster_require_marker"))
    errors: list[str] = []
    for item in items:
        ids, problems = requirement_ids(item, id_format)
        where = _location(item)
        errors.extend(f"{where}: {problem}" for problem in problems)
        if require and not ids and not problems:
            errors.append(f"{where}: no requirement marker (incluster_require_marker is on)")
        item.user_properties.append((REQUIREMENTS_PROPERTY, ",".join(ids)))
        item.stash[_TAGS_KEY] = ids + [
            m.name for m in item.iter_markers() if m.name not in _BUILTIN_MARKERS and m.name not in ids
        ]
    if errors:
        raise pytest.UsageError("invalid requirement markers:\n  " + "\n  ".join(errors))
    shard = config.getoption("incluster_shard")
    if shard:
        select_shard(config, items, shard)


def _location(item: pytest.Item) -> str:
    path, line, _ = item.location
    return f"{path}:{(line or 0) + 1}: {item.name}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    _redact_report(report)
    tags: list[str] = item.stash.get(_TAGS_KEY, [])
    report.incluster_tags = list(dict.fromkeys(tags))
    item.stash.setdefault(REPORTS_KEY, {})[report.when] = report
    bundle = item.stash.get(BUNDLE_KEY, None)
    if report.when == "teardown" and bundle is not None:
        # Carried by the report, so an xdist controller prints it too (pytest_runtest_logreport).
        report.sections.append((_BUNDLE_SECTION, str(bundle)))
    return report


_BUNDLE_SECTION = "incluster failure bundle"


class _BundlePointer:
    """Prints one line on the console saying where a failed test's failure bundle is."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for title, content in report.sections:
            if title != _BUNDLE_SECTION:
                continue
            line = f"incluster: failure bundle of {report.nodeid}: {content}"
            # Looked up now: the terminal reporter registers itself after this plugin's configure.
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.ensure_newline()
                terminal.write_line(line)
            else:
                sys.stderr.write(line + "\n")


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report = yield
    _redact_report(report)
    return report


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The cluster, kubeconfig context and services' namespace the fixtures will use."""
    from .header import report_header  # noqa: PLC0415  (reads the kubeconfig only when pytest asks)

    return report_header(config)


def _redact_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Masks secrets in a report's failure and captured output, before any reporter sees them."""
    if report.longrepr is not None:
        text = str(report.longrepr)
        if redactor.redact(text) != text:
            # In place keeps pytest's structure (the crash line JUnit and -r summaries show); whatever
            # that misses makes the whole representation a redacted string.
            if not isinstance(report.longrepr, str):
                _redact_fields(report.longrepr, depth=0)
            if redactor.redact(str(report.longrepr)) != str(report.longrepr):
                report.longrepr = redactor.redact(str(report.longrepr))
    report.sections = [(title, redactor.redact(content)) for title, content in report.sections]


def _redact_fields(value: object, depth: int) -> object:
    """``value`` with every string inside it redacted; dataclasses (pytest's reprs) are changed in place."""
    if isinstance(value, str):
        return redactor.redact(value)
    if depth > 12:
        return value
    if isinstance(value, list):
        value[:] = [_redact_fields(item, depth + 1) for item in value]
        return value
    if isinstance(value, tuple):
        return tuple(_redact_fields(item, depth + 1) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            current = getattr(value, item.name)
            updated = _redact_fields(current, depth + 1)
            if updated is not current:
                object.__setattr__(value, item.name, updated)
    return value


class _EvidenceWriter:
    """Registered only when evidence is asked for: feeds reports to the recorder, writes at the end."""

    def __init__(self, recorder: EvidenceRecorder, path: Path) -> None:
        self.recorder = recorder
        self.path = path

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.recorder.record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.recorder.record_collect_error(report.nodeid, str(report.longrepr))

    def pytest_sessionfinish(self) -> None:
        self.recorder.write(self.path)

    def pytest_report_header(self) -> str:
        return f"incluster: requirement evidence to {self.path}"


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, Any, Any]:
    # Wrapping every other implementation, so pytest's own JUnit file has been written by now.
    result = yield
    config = session.config
    xmlpath = getattr(config.option, "xmlpath", None)
    if xmlpath and not hasattr(config, "workerinput") and Path(xmlpath).is_file():
        junit = Path(xmlpath)
        text = junit.read_text(encoding="utf-8")
        redacted = redactor.redact(text)
        if redacted != text:
            junit.write_text(redacted, encoding="utf-8")
    return result
