"""pytest's rules for where a run starts: rootdir, config file, ini options and the test files.

Follows pytest's ``determine_setup`` and ``_decide_args`` (rootdir and config from the arguments),
its config formats (``pytest.toml``, ``pytest.ini``, ``pyproject.toml``, ``tox.ini``, ``setup.cfg``)
and its directory walk (``norecursedirs``, virtualenvs, ``python_files``).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import shlex
from pathlib import Path
from typing import Any

from .failure import Failure

CONFIG_NAMES = [
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
]
DEFAULTS: dict[str, list[str]] = {
    "python_files": ["test_*.py", "*_test.py"],
    "python_classes": ["Test"],
    "python_functions": ["test"],
    "testpaths": [],
    "norecursedirs": ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"],
}

# A config as read: its format ("toml" values are typed, "ini" ones strings) and its values.
Config = tuple[str, dict[str, Any]]
Options = dict[str, list[str]]


def load_toml(path: Path) -> dict[str, Any]:
    """A TOML file's table; tomllib on 3.11+, else the tomli package."""
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415  (3.11+)
    except ImportError:
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]  # noqa: PLC0415
        except ImportError:
            raise Failure(
                f"{path}: reading it needs Python 3.11 or newer (tomllib), or the tomli package"
            ) from None
    try:
        loaded: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except Exception as error:
        raise Failure(f"{path}: {error}") from None
    return loaded


def load_ini(path: Path, section: str) -> dict[str, Any] | None:
    """One section of an ini file as pytest's iniconfig reads it (continuations, # and ; comments)."""
    sections: dict[str, dict[str, Any]] = {}
    current: str | None = None
    key: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        if line[0] in " \t":
            if current is not None and key is not None:
                sections[current][key] += "\n" + line.strip()
            continue
        if line.startswith("["):
            current = line[1 : line.index("]")].strip() if "]" in line else line[1:]
            sections.setdefault(current, {})
            key = None
            continue
        if current is None:
            continue
        separators = [i for i in (line.find("="), line.find(":")) if i >= 0]
        if not separators:
            continue
        key = line[: min(separators)].strip()
        sections[current][key] = line[min(separators) + 1 :].strip()
    return sections.get(section)


def load_config(path: Path) -> Config | None:
    """The pytest configuration a file holds, or None when it holds none."""
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
            options = tool["ini_options"].items()
            return ("ini", {k: v if isinstance(v, list) else str(v) for k, v in options})
        return None
    if name == "tox.ini":
        section = load_ini(path, "pytest")
        return None if section is None else ("ini", section)
    if name == "setup.cfg":
        section = load_ini(path, "tool:pytest")
        return None if section is None else ("ini", section)
    return None


def locate_config(start: Path) -> tuple[Path | None, Path | None, Config]:
    """pytest's locate_config: the first directory up from ``start`` with a config, and that config."""
    found_pyproject: Path | None = None
    for base in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = base / name
            if candidate.is_file():
                if name == "pyproject.toml" and found_pyproject is None:
                    found_pyproject = candidate
                config = load_config(candidate)
                if config is not None:
                    return base, candidate, config
    if found_pyproject is not None:
        return found_pyproject.parent, found_pyproject, ("ini", {})
    return None, None, ("ini", {})


def common_ancestor(paths: list[Path], fallback: Path) -> Path:
    """The deepest directory holding every existing path (``fallback`` when none exists)."""
    result: Path | None = None
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


def option(config: Config, name: str) -> list[str]:
    """An ini option as a list: the config's value (split like pytest's ``args`` type) or the default."""
    _, values = config
    if name not in values:
        return list(DEFAULTS[name])
    value = values[name]
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def fnmatch_ex(pattern: str, path: Path) -> bool:
    """pytest's fnmatch_ex: a pattern without a separator matches the name, else the whole path."""
    if os.sep not in pattern:
        name = path.name
    else:
        name = str(path)
        if path.is_absolute() and not os.path.isabs(pattern):
            pattern = f"*{os.sep}{pattern}"
    return fnmatch.fnmatch(name, pattern)


def matches_prefix_or_glob(patterns: list[str], name: str) -> bool:
    """How ``python_classes`` and ``python_functions`` match a name: a prefix, or a glob."""
    for pattern in patterns:
        if name.startswith(pattern):
            return True
        if ("*" in pattern or "?" in pattern or "[" in pattern) and fnmatch.fnmatch(name, pattern):
            return True
    return False


def in_venv(path: Path) -> bool:
    """True for a virtualenv or conda environment, which pytest never walks into."""
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta" / "history").is_file()


def setup(invocation: Path, args: list[Path]) -> tuple[Path, Path | None, Options, list[Path]]:
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
                for directory in dirs:
                    rootdir, inifile, config = locate_config(directory)
                    if rootdir is not None:
                        break
            if rootdir is None:
                rootdir = common_ancestor([invocation, ancestor], invocation)
                if str(rootdir) == os.sep:
                    rootdir = ancestor
    options = {name: option(config, name) for name in DEFAULTS}
    paths = list(args)
    if not paths and invocation == rootdir:
        for pattern in options["testpaths"]:
            found = sorted(glob.iglob(str(invocation / pattern), recursive=True))
            paths.extend(Path(match) for match in found)
    if not paths:
        paths = [invocation]
    return rootdir, inifile, options, [p.resolve() for p in paths]


def discover(paths: list[Path], options: Options) -> list[Path]:
    """The test files under ``paths`` in pytest's order; a file named explicitly is always one."""
    files: list[Path] = []
    seen = set()

    def add(path: Path, explicit: bool) -> None:
        if path in seen or path.name == "conftest.py" or path.suffix != ".py":
            return
        if explicit or any(fnmatch_ex(p, path) for p in options["python_files"]):
            seen.add(path)
            files.append(path)

    def walk(directory: Path) -> None:
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
