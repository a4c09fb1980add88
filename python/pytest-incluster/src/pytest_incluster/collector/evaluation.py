"""Static evaluation of the values markers are built from, without importing the test file.

A module's top-level bindings are read from its ``ast``; a name, attribute, call of ``pytest.mark``
or ``pytest.param``, container, f-string, ``+``, ``*``, subscript or negation is evaluated when every
part of it is a constant, an import of ``pytest`` or ``unittest``, or such a binding of a module of
this project. Anything else becomes ``Unresolved``, which says where and why, and the collection
reports it instead of guessing.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .failure import Failure

Value = Any
"""What evaluating a node gives: a constant, a container of values, or one of the classes below."""


def q(text: object) -> str:
    """Code in a message, quoted as incluster's messages quote it."""
    return f"`{text}`"


class Unresolved:
    """A value that needs running code; ``line``/``col`` say where (1-based column) and ``why``."""

    line: int
    col: int

    def __init__(self, node: ast.AST | Unresolved, why: str) -> None:
        if isinstance(node, Unresolved):
            self.line, self.col = node.line, node.col
        else:
            self.line = getattr(node, "lineno", 1)
            self.col = getattr(node, "col_offset", 0) + 1
        self.why = why


class Api:
    """A pytest object: the module (``pytest``), ``pytest.mark``, ``pytest.param``, ``unittest``."""

    def __init__(self, what: str) -> None:
        self.what = what


class Mark:
    """``pytest.mark.NAME(*args, **kwargs)``, and the node it was written at."""

    def __init__(
        self,
        name: str,
        args: tuple[Value, ...] = (),
        kwargs: dict[str, Value] | None = None,
        node: ast.AST | None = None,
    ) -> None:
        self.name, self.args, self.kwargs, self.node = name, tuple(args), dict(kwargs or {}), node


class Param:
    """``pytest.param(*values, marks=..., id=...)``."""

    def __init__(self, values: list[Value], marks: Value, id: Value) -> None:
        self.values, self.marks, self.id = values, marks, id


class Unittest:
    """``unittest.TestCase``: a class deriving from it is collected by unittest's rules."""


class ClassRef:
    """A class defined at module level: its node, for the bases and bodies a test class inherits."""

    def __init__(self, node: ast.ClassDef) -> None:
        self.node = node


# How a top-level name is bound: ("import", (module, attr, level)), ("value", node), ("class", node),
# ("function", node) or ("other", None).
Binding = tuple[str, Any]


def describe(node: ast.AST) -> str:
    """The node's source text (for messages)."""
    try:
        return ast.unparse(node)
    except Exception:
        return type(node).__name__


def bindings_of(statement: ast.stmt) -> Iterator[tuple[str, Binding]]:
    """The names a top-level statement binds, and to what."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, ("import", (alias.name, None, 0))
            else:
                top = alias.name.split(".")[0]
                yield top, ("import", (top, None, 0))
    elif isinstance(statement, ast.ImportFrom):
        for alias in statement.names:
            if alias.name != "*":
                target = (statement.module or "", alias.name, statement.level)
                yield alias.asname or alias.name, ("import", target)
    elif isinstance(statement, ast.Assign):
        for target_node in statement.targets:
            if isinstance(target_node, ast.Name):
                yield target_node.id, ("value", statement.value)
            else:
                for name in ast.walk(target_node):
                    if isinstance(name, ast.Name):
                        yield name.id, ("other", None)
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        yield statement.target.id, ("value", statement.value) if statement.value else ("other", None)
    elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
        yield statement.target.id, ("other", None)
    elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield statement.name, ("function", statement)
    elif isinstance(statement, ast.ClassDef):
        yield statement.name, ("class", statement)


_LITERALS = {"True": True, "False": False, "None": None}


class ModuleInfo:
    """One parsed module: its top-level bindings, evaluated on demand."""

    def __init__(self, path: Path, tree: ast.Module, loader: Loader) -> None:
        self.path, self.tree, self.loader = path, tree, loader
        self.bindings: dict[str, Binding] = {}
        self.counts: dict[str, int] = {}
        for statement in tree.body:
            for name, value in bindings_of(statement):
                self.counts[name] = self.counts.get(name, 0) + 1
                self.bindings[name] = value
        self.evaluating: set[str] = set()

    def lookup(self, name: str, node: ast.AST) -> Value:
        """The value a top-level name is bound to, or why it cannot be known."""
        if name not in self.bindings:
            if name in _LITERALS:
                return _LITERALS[name]
            return Unresolved(node, f"{q(name)} is not defined at module level")
        if self.counts[name] > 1:
            return Unresolved(node, f"{q(name)} is assigned more than once")
        kind, value = self.bindings[name]
        if kind == "import":
            module, attr, level = value
            return self.loader.imported(self, module, attr, level, node)
        if kind == "value":
            if name in self.evaluating:
                return Unresolved(node, f"{q(name)} refers to itself")
            self.evaluating.add(name)
            try:
                return self.evaluate(value)
            finally:
                self.evaluating.discard(name)
        if kind == "class":
            return ClassRef(value)
        return Unresolved(node, f"{q(name)} is a {kind}, not a constant")

    def evaluate(self, node: ast.AST) -> Value:
        """The node's value, or ``Unresolved``."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = self._elements(node.elts)
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Name):
            return self.lookup(node.id, node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.JoinedStr):
            return self._f_string(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            return self._operation(node)
        if isinstance(node, ast.Dict):
            return self._dict(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.evaluate(node.operand)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
            return Unresolved(node, "not a constant")
        return Unresolved(node, f"{q(describe(node))} needs running code")

    def _elements(self, nodes: list[ast.expr]) -> list[Value]:
        """The values of a list of elements or arguments, ``*spread`` ones unpacked."""
        items: list[Value] = []
        for element in nodes:
            if isinstance(element, ast.Starred):
                inner = self.evaluate(element.value)
                if isinstance(inner, (list, tuple)):
                    items.extend(inner)
                elif isinstance(inner, Unresolved):
                    items.append(inner)
                else:
                    items.append(Unresolved(element, "cannot unpack"))
            else:
                items.append(self.evaluate(element))
        return items

    def _attribute(self, node: ast.Attribute) -> Value:
        base = self.evaluate(node.value)
        if isinstance(base, Api):
            if base.what == "pytest" and node.attr in ("mark", "param"):
                return Api(node.attr)
            if base.what == "mark":
                return Mark(node.attr, node=node)
            if base.what == "unittest" and node.attr == "TestCase":
                return Unittest()
        if isinstance(base, Unresolved):
            return base
        return Unresolved(node, f"{q(describe(node))} is not a constant")

    def _call(self, node: ast.Call) -> Value:
        function = self.evaluate(node.func)
        if not isinstance(function, Mark) and not (isinstance(function, Api) and function.what == "param"):
            if isinstance(function, Unresolved):
                return function
            return Unresolved(node, f"{q(describe(node))} is a call")
        args = self._elements(node.args)
        if len(args) == len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args):
            # Each unresolved argument names its own source text.
            args = [
                Unresolved(value, f"{q(describe(source))}: {value.why}")
                if isinstance(value, Unresolved)
                else value
                for value, source in zip(args, node.args)
            ]
        kwargs: dict[str, Value] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                inner = self.evaluate(keyword.value)
                if isinstance(inner, dict):
                    kwargs.update(inner)
                else:
                    unpack = Unresolved(keyword.value, "cannot unpack")
                    kwargs["**"] = inner if isinstance(inner, Unresolved) else unpack
            else:
                value = self.evaluate(keyword.value)
                if isinstance(value, Unresolved):
                    value = Unresolved(value, f"{q(describe(keyword.value))}: {value.why}")
                kwargs[keyword.arg] = value
        if isinstance(function, Mark):
            return Mark(function.name, function.args + tuple(args), {**function.kwargs, **kwargs}, node)
        return Param(args, kwargs.get("marks", ()), kwargs.get("id"))

    def _f_string(self, node: ast.JoinedStr) -> Value:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif (
                isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None
            ):
                inner = self.evaluate(value.value)
                if not isinstance(inner, (str, int)) or isinstance(inner, bool):
                    return inner if isinstance(inner, Unresolved) else Unresolved(node, "not a constant")
                parts.append(str(inner))
            else:
                return Unresolved(node, "a formatted value")
        return "".join(parts)

    def _operation(self, node: ast.BinOp) -> Value:
        left, right = self.evaluate(node.left), self.evaluate(node.right)
        for side in (left, right):
            if isinstance(side, Unresolved):
                return side
        if isinstance(node.op, ast.Add):
            if type(left) is type(right) and isinstance(left, (str, list, tuple, int)):
                return left + right
        elif isinstance(left, (str, list, tuple)) and type(right) is int:
            return left * right
        return Unresolved(node, "not a constant")

    def _dict(self, node: ast.Dict) -> Value:
        result: dict[Value, Value] = {}
        for key_node, value_node in zip(node.keys, node.values):
            key = self.evaluate(key_node) if key_node is not None else None
            if key_node is None or isinstance(key, Unresolved):
                return Unresolved(node, "a dict that is not constant")
            result[key] = self.evaluate(value_node)
        return result

    def _subscript(self, node: ast.Subscript) -> Value:
        base, index = self.evaluate(node.value), self.evaluate(node.slice)
        for side in (base, index):
            if isinstance(side, Unresolved):
                return side
        try:
            return base[index]
        except Exception:
            return Unresolved(node, "a subscript that is not constant")


class Loader:
    """Parses each module once and follows imports between modules of the project."""

    def __init__(self, rootdir: Path) -> None:
        self.rootdir = rootdir
        self.modules: dict[Path, ModuleInfo] = {}

    def module(self, path: Path) -> ModuleInfo:
        """The parsed module at ``path``; a syntax error stops the collection, naming file and line."""
        path = path.resolve()
        if path not in self.modules:
            source = path.read_bytes()
            try:
                tree = ast.parse(source, filename=str(path))
            except SyntaxError as error:
                where = {"syntax": str(path), "line": error.lineno or 1, "column": error.offset or 1}
                raise Failure(json.dumps({**where, "message": error.msg})) from None
            self.modules[path] = ModuleInfo(path, tree, self)
        return self.modules[path]

    def imported(self, origin: ModuleInfo, module: str, attr: str | None, level: int, node: ast.AST) -> Value:
        """What ``from module import attr`` (or ``import module``) binds, as far as it can be known."""
        top = module.split(".", maxsplit=1)[0] if module else ""
        if level == 0 and top == "pytest":
            if module == "pytest":
                if attr is None:
                    return Api("pytest")
                if attr in ("mark", "param"):
                    return Api(attr)
            return Unresolved(node, f"{q(attr)} from {module}")
        if level == 0 and module == "unittest":
            if attr == "TestCase":
                return Unittest()
            return Api("unittest") if attr is None else Unresolved(node, "unittest")
        target = self.find(origin.path, module, level)
        if target is None:
            return Unresolved(node, f"{q(module or '.')} is imported from outside this project")
        if attr is None:
            return Unresolved(node, f"module {q(module)}")
        return self.module(target).lookup(attr, node)

    def find(self, origin: Path, module: str, level: int) -> Path | None:
        """The file of a module imported from ``origin``: relative, or from its package root or rootdir."""
        parts = [p for p in module.split(".") if p]
        if level:
            base = origin.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            base = origin.parent
            while (base / "__init__.py").is_file() and base.parent != base:
                base = base.parent
            bases = [base, self.rootdir]
        for base in bases:
            candidate = base.joinpath(*parts)
            for path in (candidate.with_suffix(".py") if parts else None, candidate / "__init__.py"):
                if path is not None and path.is_file():
                    return path
        return None
