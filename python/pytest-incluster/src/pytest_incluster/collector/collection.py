"""The tests of one file as pytest collects them: functions, classes, inherited methods, parameter sets.

pytest's rules: ``python_classes`` and ``python_functions`` (prefix or glob), ``__test__``, classes
with ``__init__`` skipped, ``unittest.TestCase`` methods named ``test*``, marks from decorators,
class bodies and bases, ``pytestmark`` and ``pytest.param``, and parameter ids made as pytest makes
them. Each test carries its requirement IDs (``requirement("A", "B")``, ``requirement(["A", "B"])``,
``requirement(id="A")``), its other marks as tags, whether it is skipped, and what could not be
resolved statically.
"""

from __future__ import annotations

import ast
from typing import Any

from .discovery import Options, matches_prefix_or_glob
from .evaluation import (
    Api,
    ClassRef,
    Mark,
    ModuleInfo,
    Param,
    Unittest,
    Unresolved,
    Value,
    bindings_of,
    describe,
    q,
)

BUILTIN_MARKS = {
    "parametrize",
    "usefixtures",
    "filterwarnings",
    "skip",
    "skipif",
    "xfail",
    "requirement",
    "tryfirst",
    "trylast",
    "apply_manifests",
}
"""Markers pytest and the plugin define: not tags (the plugin's evidence reads the same list)."""
STOPS = "pytest-incluster stops at collection"

Level = tuple[list[Mark], list[Unresolved]]
"""The marks of one level (the test, its class, its bases, the module) and what was unresolved there."""
FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)
Definition = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# One item pytest makes from a test: (id suffix, the parameter set's marks, static?, unresolved).
Call = tuple[str, list[Mark], bool, list[Unresolved]]


def mark_list(value: Value) -> Level:
    """pytest's normalize_mark_list over a decorator or ``pytestmark`` value."""
    items = value if isinstance(value, (list, tuple)) else [value]
    marks = [item for item in items if isinstance(item, Mark)]
    return marks, [item for item in items if isinstance(item, Unresolved)]


def looks_like_marks(node: ast.AST) -> bool:
    """A decorator that is probably a mark: worth reporting when it cannot be resolved."""
    text = describe(node)
    return "mark" in text or "requirement" in text


def requirement_values(mark: Mark) -> list[Value]:
    """The IDs a ``requirement`` mark names: its arguments and ``id``, lists and tuples spread."""
    values: list[Value] = []
    for value in [*mark.args, *([mark.kwargs["id"]] if "id" in mark.kwargs else [])]:
        if isinstance(value, (list, tuple)):
            values.extend(value)
        else:
            values.append(value)
    return values


class FileCollector:
    """Collects one module's tests into ``tests`` (plain dicts, as the CLI reads them)."""

    def __init__(self, info: ModuleInfo, options: Options) -> None:
        self.info, self.options = info, options
        self.tests: list[dict[str, Any]] = []

    def collect(self) -> None:
        """Every test of the module, unless the module says ``__test__ = False``."""
        if self.dunder_test(self.info.tree.body) is False:
            return
        self.collect_body(self.info.tree.body, [], [self.pytestmark(self.info.tree.body)], unittest=False)

    def decorator_marks(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Level:
        marks: list[Mark] = []
        unresolved: list[Unresolved] = []
        for decorator in reversed(node.decorator_list):  # applied bottom-up
            value = self.info.evaluate(decorator)
            if isinstance(value, Mark):
                marks.append(value)
            elif isinstance(value, Unresolved) and looks_like_marks(decorator):
                why = f"decorator {q(describe(decorator))} cannot be resolved statically ({value.why})"
                unresolved.append(Unresolved(decorator, why))
        return marks, unresolved

    def pytestmark(self, body: list[ast.stmt]) -> Level:
        for statement in body:
            for name, (kind, value) in bindings_of(statement):
                if name == "pytestmark" and kind == "value":
                    marks, unresolved = mark_list(self.info.evaluate(value))
                    why = "pytestmark cannot be resolved statically"
                    return marks, [Unresolved(u, f"{why} ({u.why})") for u in unresolved]
        return [], []

    def dunder_test(self, body: list[ast.stmt]) -> bool | None:
        for statement in body:
            for name, (kind, value) in bindings_of(statement):
                if name == "__test__" and kind == "value":
                    result = self.info.evaluate(value)
                    if not isinstance(result, Unresolved):
                        return bool(result)
        return None

    def class_chain(
        self, node: ast.ClassDef, seen: tuple[ast.ClassDef, ...] = ()
    ) -> tuple[list[ast.ClassDef], bool]:
        """The class and its bases in this project (MRO-ish), and whether it is a unittest case."""
        chain, unittest = [node], False
        for base in node.bases:
            value = self.info.evaluate(base)
            if isinstance(value, Unittest):
                unittest = True
            elif isinstance(value, ClassRef) and value.node not in seen:
                inner, inner_unittest = self.class_chain(value.node, (*seen, node))
                chain.extend(c for c in inner if c not in chain)
                unittest = unittest or inner_unittest
        return chain, unittest

    def collect_body(
        self, body: list[ast.stmt], classes: list[str], context: list[Level], unittest: bool
    ) -> None:
        defined: dict[str, ast.stmt] = {}
        for statement in body:
            if isinstance(statement, Definition):
                defined.pop(statement.name, None)  # a later definition replaces, and moves
                defined[statement.name] = statement
        for name, node in defined.items():
            if isinstance(node, ast.ClassDef):
                self.collect_class(node, classes, context)
            elif not isinstance(node, FunctionNode):
                continue
            elif unittest:
                if name.startswith("test"):
                    self.add(node, classes, context)
            elif matches_prefix_or_glob(self.options["python_functions"], name) or self.dunder_test(
                node.body
            ):
                self.add(node, classes, context)

    def collect_class(self, node: ast.ClassDef, classes: list[str], context: list[Level]) -> None:
        chain, unittest = self.class_chain(node)
        own = self.dunder_test(node.body)
        if own is False:
            return
        if (
            not unittest
            and not matches_prefix_or_glob(self.options["python_classes"], node.name)
            and own is not True
        ):
            return
        if not unittest:
            for cls in chain:
                if any(isinstance(s, FunctionNode) and s.name in ("__init__", "__new__") for s in cls.body):
                    return
        marks: list[Mark] = []
        unresolved: list[Unresolved] = []
        for cls in reversed(chain):
            own_marks, own_unresolved = self.pytestmark(cls.body)
            decorated, decorated_unresolved = self.decorator_marks(cls)
            marks += own_marks + decorated
            unresolved += own_unresolved + decorated_unresolved
        # Methods: the class's own, then inherited ones not overridden.
        body: list[ast.stmt] = []
        seen: set[str] = set()
        for cls in chain:
            definitions = [s for s in cls.body if isinstance(s, Definition)]
            body.extend(s for s in definitions if s.name not in seen)
            seen.update(s.name for s in definitions)
        self.collect_body(body, [*classes, node.name], [(marks, unresolved), *context], unittest)

    def add(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, classes: list[str], context: list[Level]
    ) -> None:
        levels = [self.decorator_marks(node), *context]
        marks = [m for level, _ in levels for m in level]
        unresolved = [u for _, level in levels for u in level]
        # pytest's location is the first decorator's line (co_firstlineno); the column is its @.
        line = min([node.lineno] + [d.lineno for d in node.decorator_list])
        column = node.decorator_list[0].col_offset if node.decorator_list else node.col_offset + 1
        for suffix, param_marks, static, param_unresolved in self.parameter_sets(marks):
            self.emit(
                node,
                classes,
                suffix,
                param_marks + marks,
                unresolved + param_unresolved,
                line,
                column,
                static,
            )

    def parameter_sets(self, marks: list[Mark]) -> list[Call]:
        """One entry per item pytest makes from the test's ``parametrize`` marks."""
        calls: list[Call] = [("", [], True, [])]
        for mark in marks:
            if mark.name != "parametrize":
                continue
            args = list(mark.args)
            argnames = args[0] if args else mark.kwargs.get("argnames")
            argvalues = args[1] if len(args) > 1 else mark.kwargs.get("argvalues")
            ids = args[2] if len(args) > 2 else mark.kwargs.get("ids")
            sets = expand(argnames, argvalues, ids)
            if sets is None:
                calls = [(f"{s}{'-' if s else ''}?", m, False, u) for s, m, _, u in calls]
                continue
            calls = [
                (f"{s}{'-' if s else ''}{pid}", m + pm, st and pst, u + pu)
                for s, m, st, u in calls
                for pid, pm, pst, pu in sets
            ]
        return [(f"[{s}]" if s else "", m, st, u) for s, m, st, u in calls]

    def emit(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        classes: list[str],
        suffix: str,
        marks: list[Mark],
        unresolved: list[Unresolved],
        line: int,
        column: int,
        static: bool,
    ) -> None:
        ids: list[str] = []
        tags: list[str] = []
        invalid: list[tuple[ast.AST, str]] = []
        mode, conditional = "run", False
        for mark in marks:
            if mark.name == "requirement":
                where = mark.node or node
                invalid.extend((where, problem) for problem in requirement_problems(mark))
                for value in requirement_values(mark):
                    if isinstance(value, Unresolved):
                        unresolved.append(value)
                    elif isinstance(value, str):
                        if value not in ids:
                            ids.append(value)
                    else:
                        kind = type(value).__name__
                        invalid.append((where, f"requirement IDs are strings, got {kind} {value!r}: {STOPS}"))
            elif mark.name == "skip":
                mode = "skip"
            elif mark.name in ("skipif", "xfail"):
                conditional = True
            elif mark.name not in BUILTIN_MARKS and mark.name not in tags:
                tags.append(mark.name)
        self.tests.append(
            {
                "classes": classes,
                "name": node.name + suffix,
                "line": line,
                "column": column,
                "ids": ids,
                "tags": tags,
                "mode": mode,
                "conditional": conditional,
                "static": static,
                "unresolved": [{"line": u.line, "column": u.col, "message": u.why} for u in unresolved],
                "invalid": [
                    {"line": getattr(w, "lineno", 1), "column": getattr(w, "col_offset", 0) + 1, "message": m}
                    for w, m in invalid
                ],
            }
        )


def requirement_problems(mark: Mark) -> list[str]:
    """What the plugin rejects in a ``requirement`` mark besides a bad ID: other arguments, no ID."""
    problems: list[str] = []
    extra = sorted(k for k in mark.kwargs if k != "id")
    if extra:
        problems.append(f"unexpected argument {', '.join(extra)} to requirement: {STOPS}")
    if not requirement_values(mark):
        problems.append(f"requirement() names no ID: {STOPS}")
    return problems


def expand(argnames: Value, argvalues: Value, ids: Value) -> list[Call] | None:
    """The parameter sets of one ``parametrize``: id, marks, static?, unresolved; None when unknown."""
    # pytest's _parse_parametrize_args: only a string naming one argument takes bare values.
    if isinstance(argnames, str):
        names = [n.strip() for n in argnames.split(",") if n.strip()]
        force_tuple = len(names) == 1
    elif isinstance(argnames, (list, tuple)) and all(isinstance(n, str) for n in argnames):
        names, force_tuple = list(argnames), False
    else:
        return None
    if not isinstance(argvalues, (list, tuple)):
        return None
    dynamic_ids = ids is not None and not isinstance(ids, (list, tuple))
    if dynamic_ids:
        ids = None
    entries: list[list[Any]] = []
    for index, value in enumerate(argvalues):
        marks: list[Mark] = []
        unresolved: list[Unresolved] = []
        explicit: Value = None
        values: list[Value] | None
        if isinstance(value, Param):
            marks, found = mark_list(value.marks)
            why = "marks of pytest.param cannot be resolved statically"
            unresolved = [Unresolved(u, f"{why} ({u.why})") for u in found]
            explicit = value.id
            values = value.values
        elif force_tuple:
            values = [value]
        else:
            values = list(value) if isinstance(value, (list, tuple)) else None
        pid = parameter_id(index, names, values, explicit, ids, dynamic_ids)
        entries.append([pid, marks, pid is not None, unresolved])
    if not entries:
        return [("NOTSET", [], True, [])]
    disambiguate(entries)
    return [(e[0] if e[0] is not None else "?", e[1], e[2], e[3]) for e in entries]


def parameter_id(
    index: int, names: list[str], values: list[Value] | None, explicit: Value, ids: Value, dynamic_ids: bool
) -> str | None:
    """The id pytest gives one parameter set, or None when it depends on running code."""
    if isinstance(explicit, str):
        return ascii_escaped(explicit)
    if explicit is not None:
        return None
    if ids is not None and index < len(ids) and ids[index] is not None:
        return idval_from_value(ids[index])
    if dynamic_ids or values is None or len(values) != len(names):
        return None
    parts: list[str] = []
    for value, name in zip(values, names):
        if isinstance(value, (Unresolved, Mark, Param, Api)):
            return None
        parts.append(idval(value, name, index))
    return "-".join(parts)


def disambiguate(entries: list[list[Any]]) -> None:
    """pytest's suffixes for duplicate ids: ``a0``, ``a1``; ``1_0``, ``1_1`` after a digit."""
    known = [e[0] for e in entries if e[0] is not None]
    if len(set(known)) == len(known):
        return
    counts: dict[str, int] = {}
    for k in known:
        counts[k] = counts.get(k, 0) + 1
    suffixes: dict[str, int] = {}
    taken = set(known)
    for entry in entries:
        k = entry[0]
        if k is not None and counts[k] > 1:
            separator = "_" if k and k[-1].isdigit() else ""
            n = suffixes.get(k, 0)
            new = f"{k}{separator}{n}"
            while new in taken:
                n += 1
                new = f"{k}{separator}{n}"
            entry[0] = new
            suffixes[k] = n + 1


_NON_PRINTABLE = {i: f"\\x{i:02x}" for i in range(128) if i not in range(32, 127)}


def ascii_escaped(value: str | bytes) -> str:
    """pytest's ascii_escaped: what a string or bytes id looks like."""
    if isinstance(value, bytes):
        text = value.decode("ascii", "backslashreplace")
    else:
        text = value.encode("unicode_escape").decode("ascii")
    return text.translate(_NON_PRINTABLE)


def idval_from_value(value: Value) -> str | None:
    if isinstance(value, (str, bytes)):
        return ascii_escaped(value)
    if value is None or isinstance(value, (float, int, bool, complex)):
        return str(value)
    return None


def idval(value: Value, argname: str, index: int) -> str:
    """pytest's _idval: a short string as itself, a number as text, else the argument name and index."""
    if isinstance(value, (str, bytes)):
        if len(value) <= 100:
            return ascii_escaped(value)
    else:
        result = idval_from_value(value)
        if result is not None:
            return result
    return f"{argname}{index}"
