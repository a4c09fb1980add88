// The pytest collector's Python half, run by the host's python3 (`python3 -c SCRIPT`, the request
// on stdin, JSON on stdout): pytest's own rules for rootdir, config files and discovery, and Python's
// own `ast` for the test files, so no .py file has to be packaged. Kept as one constant on purpose.
// A change here changes what `incluster trace` counts: test/unit/trace/pytest/corpus.test.ts checks
// it against pytest's own collection.

/** The Python source of the static pytest collector. */
export const PYTEST_COLLECTOR_SCRIPT = String.raw`
import ast, fnmatch, json, os, sys
from pathlib import Path, PurePath

BUILTIN_MARKS = {"parametrize", "usefixtures", "filterwarnings", "skip", "skipif", "xfail",
                 "requirement", "tryfirst", "trylast"}
CONFIG_NAMES = ["pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml",
                "tox.ini", "setup.cfg"]
DEFAULTS = {"python_files": ["test_*.py", "*_test.py"], "python_classes": ["Test"],
            "python_functions": ["test"], "testpaths": [],
            "norecursedirs": ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules",
                              "venv", "{arch}"]}


def q(text):
    """Code in a message, quoted as incluster's messages quote it."""
    return chr(96) + str(text) + chr(96)


class Failure(Exception):
    pass


def load_toml(path):
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            raise Failure(f"{path}: reading it needs Python 3.11 or newer (tomllib), or the tomli package")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception as error:
        raise Failure(f"{path}: {error}")


def load_ini(path, section):
    # pytest's iniconfig: key = value, continuation lines indented, # and ; comments.
    sections, current, key = {}, None, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        if line[0] in " \t":
            if current is not None and key is not None:
                sections[current][key] += "\n" + line.strip()
            continue
        if line.startswith("["):
            current = line[1:line.index("]")].strip() if "]" in line else line[1:]
            sections.setdefault(current, {})
            key = None
            continue
        if current is None:
            continue
        sep = [i for i in (line.find("="), line.find(":")) if i >= 0]
        if not sep:
            continue
        key = line[:min(sep)].strip()
        sections[current][key] = line[min(sep) + 1:].strip()
    return sections.get(section)


def load_config(path):
    name = path.name
    if name in ("pytest.toml", ".pytest.toml"):
        return ("toml", load_toml(path).get("pytest", {}))
    if name in ("pytest.ini", ".pytest.ini"):
        return ("ini", load_ini(path, "pytest") or {})
    if name == "pyproject.toml":
        tool = load_toml(path).get("tool", {}).get("pytest", {})
        native = {k: v for k, v in tool.items() if k != "ini_options"}
        if native:
            return ("toml", native)
        if "ini_options" in tool:
            return ("ini", {k: v if isinstance(v, list) else str(v) for k, v in tool["ini_options"].items()})
        return None
    if name == "tox.ini":
        section = load_ini(path, "pytest")
        return None if section is None else ("ini", section)
    if name == "setup.cfg":
        section = load_ini(path, "tool:pytest")
        return None if section is None else ("ini", section)
    return None


def locate_config(start):
    found_pyproject = None
    for base in (start, *start.parents):
        for name in CONFIG_NAMES:
            p = base / name
            if p.is_file():
                if name == "pyproject.toml" and found_pyproject is None:
                    found_pyproject = p
                config = load_config(p)
                if config is not None:
                    return base, p, config
    if found_pyproject is not None:
        return found_pyproject.parent, found_pyproject, ("ini", {})
    return None, None, ("ini", {})


def common_ancestor(paths, fallback):
    result = None
    for path in paths:
        if not path.exists():
            continue
        if result is None:
            result = path
        elif result in path.parents or path == result:
            continue
        elif path in result.parents:
            result = path
        else:
            result = Path(os.path.commonpath([path, result]))
    if result is None:
        return fallback
    return result.parent if result.is_file() else result


def option(config, name):
    mode, values = config
    if name not in values:
        return list(DEFAULTS[name])
    value = values[name]
    if isinstance(value, str):
        import shlex
        return shlex.split(value)
    return [str(v) for v in value]


def fnmatch_ex(pattern, path):
    if os.sep not in pattern:
        name = path.name
    else:
        name = str(path)
        if path.is_absolute() and not os.path.isabs(pattern):
            pattern = f"*{os.sep}{pattern}"
    return fnmatch.fnmatch(name, pattern)


def matches_prefix_or_glob(patterns, name):
    for p in patterns:
        if name.startswith(p):
            return True
        if ("*" in p or "?" in p or "[" in p) and fnmatch.fnmatch(name, p):
            return True
    return False


def in_venv(path):
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta" / "history").is_file()


def setup(invocation, args):
    """pytest's determine_setup and _decide_args: rootdir, config file, options, initial paths."""
    dirs = [a if a.is_dir() else a.parent for a in args if a.exists()]
    ancestor = common_ancestor(dirs, invocation)
    rootdir, inifile, config = locate_config(ancestor)
    if rootdir is None:
        for candidate in (ancestor, *ancestor.parents):
            if (candidate / "setup.py").is_file():
                rootdir = candidate
                break
        else:
            if dirs != [ancestor]:
                for d in dirs:
                    rootdir, inifile, config = locate_config(d)
                    if rootdir is not None:
                        break
            if rootdir is None:
                rootdir = common_ancestor([invocation, ancestor], invocation)
                if str(rootdir) == os.sep:
                    rootdir = ancestor
    options = {k: option(config, k) for k in DEFAULTS}
    paths = list(args)
    if not paths and invocation == rootdir:
        import glob
        for p in options["testpaths"]:
            paths.extend(Path(x) for x in sorted(glob.iglob(str(invocation / p), recursive=True)))
    if not paths:
        paths = [invocation]
    return rootdir, inifile, options, [p.resolve() for p in paths]


def discover(paths, options):
    files, seen = [], set()

    def add(path, explicit):
        if path in seen or path.name == "conftest.py" or path.suffix != ".py":
            return
        if explicit or any(fnmatch_ex(p, path) for p in options["python_files"]):
            seen.add(path)
            files.append(path)

    def walk(directory):
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=True):
                if entry.name == "__pycache__" or in_venv(path):
                    continue
                if any(fnmatch_ex(p, path) for p in options["norecursedirs"]):
                    continue
                walk(path)
            elif entry.is_file():
                add(path, False)

    for path in paths:
        if path.is_dir():
            walk(path)
        elif path.is_file():
            add(path, True)
    return files


# ---- static evaluation ------------------------------------------------------------------------

class Unresolved:
    def __init__(self, node, why):
        if isinstance(node, Unresolved):
            self.line, self.col = node.line, node.col
        else:
            self.line = getattr(node, "lineno", 1)
            self.col = getattr(node, "col_offset", 0) + 1
        self.why = why


class Api:
    """A pytest object: the module, MARK_GEN, pytest.param."""
    def __init__(self, what):
        self.what = what


class Mark:
    def __init__(self, name, args=(), kwargs=None, node=None):
        self.name, self.args, self.kwargs, self.node = name, tuple(args), dict(kwargs or {}), node


class Param:
    def __init__(self, values, marks, id):
        self.values, self.marks, self.id = values, marks, id


class Unittest:
    pass


def describe(node):
    try:
        return ast.unparse(node)
    except Exception:
        return type(node).__name__


class ModuleInfo:
    def __init__(self, path, tree, loader):
        self.path, self.tree, self.loader = path, tree, loader
        self.bindings = {}
        self.counts = {}
        for statement in tree.body:
            for name, value in bindings_of(statement):
                self.counts[name] = self.counts.get(name, 0) + 1
                self.bindings[name] = value
        self.evaluating = set()

    def lookup(self, name, node):
        if name not in self.bindings:
            if name in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[name]
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
            return ("class", value)
        return Unresolved(node, f"{q(name)} is a {kind}, not a constant")

    @staticmethod
    def arg_nodes(call, count):
        """The argument node behind each evaluated argument, when no star spreads them (else None)."""
        if len(call.args) == count and not any(isinstance(a, ast.Starred) for a in call.args):
            return list(call.args)
        return [None] * count

    def evaluate(self, node):
        ev = self.evaluate
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = ev(element.value)
                    if isinstance(inner, (list, tuple)):
                        items.extend(inner)
                    else:
                        items.append(inner if isinstance(inner, Unresolved)
                                     else Unresolved(element, "cannot unpack"))
                else:
                    items.append(ev(element))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Name):
            return self.lookup(node.id, node)
        if isinstance(node, ast.Attribute):
            base = ev(node.value)
            if isinstance(base, Api):
                if base.what == "pytest" and node.attr == "mark":
                    return Api("mark")
                if base.what == "pytest" and node.attr == "param":
                    return Api("param")
                if base.what == "mark":
                    return Mark(node.attr, node=node)
                if base.what == "unittest" and node.attr == "TestCase":
                    return Unittest()
            if isinstance(base, Unresolved):
                return base
            return Unresolved(node, f"{q(describe(node))} is not a constant")
        if isinstance(node, ast.Call):
            fn = ev(node.func)
            if isinstance(fn, (Mark, Api)) and (isinstance(fn, Mark) or fn.what == "param"):
                args = []
                for a in node.args:
                    if isinstance(a, ast.Starred):
                        inner = ev(a.value)
                        if isinstance(inner, (list, tuple)):
                            args.extend(inner)
                        else:
                            args.append(inner if isinstance(inner, Unresolved)
                                        else Unresolved(a, "cannot unpack"))
                    else:
                        args.append(ev(a))
                args = [Unresolved(a, f"{q(describe(n))}: {a.why}") if isinstance(a, Unresolved) and n is not None else a
                        for a, n in zip(args, self.arg_nodes(node, len(args)))]
                kwargs = {}
                for k in node.keywords:
                    if k.arg is None:
                        inner = ev(k.value)
                        if isinstance(inner, dict):
                            kwargs.update(inner)
                        else:
                            kwargs["**"] = inner if isinstance(inner, Unresolved) else Unresolved(k.value, "cannot unpack")
                    else:
                        value = ev(k.value)
                        if isinstance(value, Unresolved):
                            value = Unresolved(value, f"{q(describe(k.value))}: {value.why}")
                        kwargs[k.arg] = value
                if isinstance(fn, Mark):
                    return Mark(fn.name, fn.args + tuple(args), {**fn.kwargs, **kwargs}, node)
                marks = kwargs.get("marks", ())
                return Param(args, marks, kwargs.get("id"))
            if isinstance(fn, Unresolved):
                return fn
            return Unresolved(node, f"{q(describe(node))} is a call")
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                    inner = ev(value.value)
                    if not isinstance(inner, (str, int)) or isinstance(inner, bool):
                        return inner if isinstance(inner, Unresolved) else Unresolved(node, "not a constant")
                    parts.append(str(inner))
                else:
                    return Unresolved(node, "a formatted value")
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = ev(node.left), ev(node.right)
            for side in (left, right):
                if isinstance(side, Unresolved):
                    return side
            if type(left) is type(right) and isinstance(left, (str, list, tuple, int)):
                return left + right
            return Unresolved(node, "not a constant")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = ev(node.left), ev(node.right)
            for side in (left, right):
                if isinstance(side, Unresolved):
                    return side
            if isinstance(left, (str, list, tuple)) and type(right) is int:
                return left * right
            return Unresolved(node, "not a constant")
        if isinstance(node, ast.Dict):
            result = {}
            for k, v in zip(node.keys, node.values):
                key = ev(k) if k is not None else None
                if k is None or isinstance(key, Unresolved):
                    return Unresolved(node, "a dict that is not constant")
                result[key] = ev(v)
            return result
        if isinstance(node, ast.Subscript):
            base, index = ev(node.value), ev(node.slice)
            for side in (base, index):
                if isinstance(side, Unresolved):
                    return side
            try:
                return base[index]
            except Exception:
                return Unresolved(node, "a subscript that is not constant")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = ev(node.operand)
            return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else Unresolved(node, "not a constant")
        return Unresolved(node, f"{q(describe(node))} needs running code")


def bindings_of(statement):
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
                yield alias.asname or alias.name, ("import", (statement.module or "", alias.name, statement.level))
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id, ("value", statement.value)
            else:
                for name in ast.walk(target):
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


class Loader:
    def __init__(self, rootdir):
        self.rootdir = rootdir
        self.modules = {}

    def module(self, path):
        path = path.resolve()
        if path not in self.modules:
            source = path.read_bytes()
            try:
                tree = ast.parse(source, filename=str(path))
            except SyntaxError as error:
                raise Failure(json.dumps({"syntax": str(path), "line": error.lineno or 1,
                                          "column": error.offset or 1, "message": error.msg}))
            self.modules[path] = ModuleInfo(path, tree, self)
        return self.modules[path]

    def imported(self, origin, module, attr, level, node):
        top = module.split(".")[0] if module else ""
        if level == 0 and top == "pytest":
            if module == "pytest":
                if attr is None:
                    return Api("pytest")
                if attr == "mark":
                    return Api("mark")
                if attr == "param":
                    return Api("param")
            return Unresolved(node, f"{q(attr)} from {module}")
        if level == 0 and module == "unittest":
            return Unittest() if attr == "TestCase" else Api("unittest") if attr is None else Unresolved(node, "unittest")
        target = self.find(origin.path, module, level)
        if target is None:
            return Unresolved(node, f"{q(module or '.')} is imported from outside this project")
        if attr is None:
            return Unresolved(node, f"module {q(module)}")
        info = self.module(target)
        return info.lookup(attr, node)

    def find(self, origin, module, level):
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


# ---- collection ------------------------------------------------------------------------------

def mark_list(value):
    """pytest's normalize_mark_list over a decorator or pytestmark value: marks, and what is unresolved."""
    items = value if isinstance(value, (list, tuple)) else [value]
    marks, unresolved = [], []
    for item in items:
        if isinstance(item, Mark):
            marks.append(item)
        elif isinstance(item, Unresolved):
            unresolved.append(item)
    return marks, unresolved


def looks_like_marks(node):
    text = describe(node)
    return "mark" in text or "requirement" in text


class FileCollector:
    def __init__(self, info, options):
        self.info, self.options = info, options
        self.tests = []
        self.problems = []

    def decorator_marks(self, node):
        marks, unresolved = [], []
        for decorator in reversed(node.decorator_list):  # applied bottom-up
            value = self.info.evaluate(decorator)
            if isinstance(value, Mark):
                marks.append(value)
            elif isinstance(value, Unresolved) and looks_like_marks(decorator):
                unresolved.append(Unresolved(decorator, f"decorator {q(describe(decorator))} cannot be resolved statically ({value.why})"))
        return marks, unresolved

    def pytestmark(self, body):
        for statement in body:
            for name, (kind, value) in bindings_of(statement):
                if name == "pytestmark" and kind == "value":
                    marks, unresolved = mark_list(self.info.evaluate(value))
                    return marks, [Unresolved(u, f"pytestmark cannot be resolved statically ({u.why})") for u in unresolved]
        return [], []

    def dunder_test(self, body):
        for statement in body:
            for name, (kind, value) in bindings_of(statement):
                if name == "__test__" and kind == "value":
                    result = self.info.evaluate(value)
                    if not isinstance(result, Unresolved):
                        return bool(result)
        return None

    def class_chain(self, node, seen=()):
        """The class's own body and those of its bases in this project (MRO-ish), and whether it is a unittest case."""
        chain, unittest = [node], False
        for base in node.bases:
            value = self.info.evaluate(base)
            if isinstance(value, Unittest):
                unittest = True
            elif isinstance(value, tuple) and value[0] == "class" and value[1] not in seen:
                inner, inner_unittest = self.class_chain(value[1], (*seen, node))
                chain.extend(c for c in inner if c not in chain)
                unittest = unittest or inner_unittest
        return chain, unittest

    def collect(self):
        module_test = self.dunder_test(self.info.tree.body)
        if module_test is False:
            return
        marks, unresolved = self.pytestmark(self.info.tree.body)
        self.collect_body(self.info.tree.body, [], [(marks, unresolved)], False)

    def collect_body(self, body, classes, context, unittest):
        defined = {}
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.pop(statement.name, None)
                defined[statement.name] = statement
        for name, node in defined.items():
            if isinstance(node, ast.ClassDef):
                self.collect_class(node, classes, context)
            elif unittest:
                if name.startswith("test"):
                    self.add(node, classes, context)
            elif matches_prefix_or_glob(self.options["python_functions"], name) or self.dunder_test(node.body) is True:
                self.add(node, classes, context)

    def collect_class(self, node, classes, context):
        chain, unittest = self.class_chain(node)
        own = self.dunder_test(node.body)
        if own is False:
            return
        if not unittest and not matches_prefix_or_glob(self.options["python_classes"], node.name) and own is not True:
            return
        if not unittest:
            for cls in chain:
                if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in ("__init__", "__new__") for s in cls.body):
                    return
        marks, unresolved = [], []
        for cls in reversed(chain):
            m, u = self.pytestmark(cls.body)
            d, du = self.decorator_marks(cls)
            marks += m + d
            unresolved += u + du
        # Methods: the class's own, then inherited ones not overridden.
        body, seen = [], set()
        for cls in chain:
            for s in cls.body:
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and s.name not in seen:
                    body.append(s)
            seen.update(s.name for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        self.collect_body(body, classes + [node.name], [(marks, unresolved), *context], unittest)

    def add(self, node, classes, context):
        own, own_unresolved = self.decorator_marks(node)
        levels = [(own, own_unresolved), *context]
        marks = [m for level, _ in levels for m in level]
        unresolved = [u for _, level in levels for u in level]
        line = min([node.lineno] + [d.lineno for d in node.decorator_list])
        # pytest's location is the first decorator's line (co_firstlineno); the column is its @.
        column = node.decorator_list[0].col_offset if node.decorator_list else node.col_offset + 1
        for suffix, param_marks, static, param_unresolved in self.parameter_sets(marks, node):
            self.emit(node, classes, suffix, param_marks + marks, unresolved + param_unresolved, line, column, static)

    def parameter_sets(self, marks, node):
        """One entry per item pytest makes: (id suffix, the parameter set's marks, static?, unresolved)."""
        calls = [("", [], True, [])]
        for mark in marks:
            if mark.name != "parametrize":
                continue
            args = list(mark.args)
            argnames = args[0] if args else mark.kwargs.get("argnames")
            argvalues = args[1] if len(args) > 1 else mark.kwargs.get("argvalues")
            ids = args[2] if len(args) > 2 else mark.kwargs.get("ids")
            sets = self.expand(argnames, argvalues, ids, mark)
            if sets is None:
                calls = [(f"{s}{'-' if s else ''}?", m, False, u) for s, m, _, u in calls]
                continue
            calls = [(f"{s}{'-' if s else ''}{pid}", m + pm, st and pst, u + pu)
                     for s, m, st, u in calls for pid, pm, pst, pu in sets]
        return [(f"[{s}]" if s else "", m, st, u) for s, m, st, u in calls]

    def expand(self, argnames, argvalues, ids, mark):
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
        if ids is not None and not isinstance(ids, (list, tuple)):
            ids = None
            dynamic_ids = True
        else:
            dynamic_ids = False
        entries = []
        for index, value in enumerate(argvalues):
            marks, unresolved, explicit = [], [], None
            if isinstance(value, Param):
                marks, found = mark_list(value.marks)
                unresolved = [Unresolved(u, f"marks of pytest.param cannot be resolved statically ({u.why})") for u in found]
                explicit = value.id
                values = value.values
            elif force_tuple:
                values = [value]
            else:
                values = list(value) if isinstance(value, (list, tuple)) else None
            pid = None
            if isinstance(explicit, str):
                pid = ascii_escaped(explicit)
            elif explicit is not None:
                pid = None
            elif ids is not None and index < len(ids) and ids[index] is not None:
                pid = idval_from_value(ids[index])
            elif not dynamic_ids and values is not None and len(values) == len(names):
                parts = []
                for v, n in zip(values, names):
                    if isinstance(v, Unresolved) or isinstance(v, (Mark, Param, Api)):
                        parts = None
                        break
                    part = idval(v, n, index)
                    parts.append(part)
                pid = "-".join(parts) if parts is not None else None
            entries.append([pid, marks, pid is not None, unresolved])
        if not entries:
            return [("NOTSET", [], True, [])]
        known = [e[0] for e in entries if e[0] is not None]
        if len(set(known)) != len(known):
            counts = {}
            for k in known:
                counts[k] = counts.get(k, 0) + 1
            suffixes = {}
            taken = set(known)
            for e in entries:
                k = e[0]
                if k is not None and counts[k] > 1:
                    sep = "_" if k and k[-1].isdigit() else ""
                    n = suffixes.get(k, 0)
                    new = f"{k}{sep}{n}"
                    while new in taken:
                        n += 1
                        new = f"{k}{sep}{n}"
                    e[0] = new
                    suffixes[k] = n + 1
        return [(e[0] if e[0] is not None else "?", e[1], e[2], e[3]) for e in entries]

    def emit(self, node, classes, suffix, marks, unresolved, line, column, static):
        ids, tags, invalid = [], [], []
        mode, conditional = "run", False
        for mark in marks:
            if mark.name == "requirement":
                values = list(mark.args)
                if "id" in mark.kwargs:
                    values.append(mark.kwargs["id"])
                where = mark.node or node
                extra = sorted(k for k in mark.kwargs if k != "id")
                if extra:
                    invalid.append((where, f"unexpected argument {', '.join(extra)} to requirement: pytest-incluster stops at collection"))
                if not values:
                    invalid.append((where, "requirement() names no ID: pytest-incluster stops at collection"))
                for value in values:
                    if isinstance(value, Unresolved):
                        unresolved.append(value)
                    elif isinstance(value, str):
                        if value not in ids:
                            ids.append(value)
                    else:
                        invalid.append((where, f"requirement IDs are strings, got {type(value).__name__} {value!r}: pytest-incluster stops at collection"))
            elif mark.name == "skip":
                mode = "skip"
            elif mark.name in ("skipif", "xfail"):
                conditional = True
            elif mark.name not in BUILTIN_MARKS and mark.name not in tags:
                tags.append(mark.name)
        self.tests.append({
            "classes": classes, "name": node.name + suffix, "line": line, "column": column,
            "ids": ids, "tags": tags, "mode": mode, "conditional": conditional, "static": static,
            "unresolved": [{"line": u.line, "column": u.col, "message": u.why} for u in unresolved],
            "invalid": [{"line": w.lineno, "column": w.col_offset + 1, "message": m} for w, m in invalid],
        })


_NON_PRINTABLE = {i: f"\\x{i:02x}" for i in range(128) if i not in range(32, 127)}


def ascii_escaped(value):
    if isinstance(value, bytes):
        text = value.decode("ascii", "backslashreplace")
    else:
        text = value.encode("unicode_escape").decode("ascii")
    return text.translate(_NON_PRINTABLE)


def idval_from_value(value):
    if isinstance(value, (str, bytes)):
        return ascii_escaped(value)
    if value is None or isinstance(value, (float, int, bool, complex)):
        return str(value)
    return None


def idval(value, argname, index):
    if isinstance(value, (str, bytes)):
        if len(value) <= 100:
            return ascii_escaped(value)
    else:
        result = idval_from_value(value)
        if result is not None:
            return result
    return f"{argname}{index}"


def main():
    request = json.load(sys.stdin)
    invocation = Path(request["root"]).resolve()
    output = {"invocations": [], "files": []}
    done = set()
    for args in request["invocations"]:
        rootdir, inifile, options, paths = setup(invocation, [Path(invocation, a).resolve() for a in args])
        loader = Loader(rootdir)
        files = discover(paths, options)
        output["invocations"].append({"args": args, "rootdir": str(rootdir), "inifile": str(inifile) if inifile else None,
                                       "options": options, "files": len(files)})
        for path in files:
            if path in done:
                continue
            done.add(path)
            collector = FileCollector(loader.module(path), options)
            collector.collect()
            output["files"].append({"path": str(path), "nodeid": Path(os.path.relpath(path, rootdir)).as_posix(),
                                    "tests": collector.tests})
    json.dump(output, sys.stdout)


try:
    main()
except Failure as failure:
    message = str(failure)
    print(message if message.startswith("{") else json.dumps({"error": message}), file=sys.stderr)
    sys.exit(3)
`;
