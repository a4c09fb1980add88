"""The request and answer of one collection: JSON on stdin, JSON on stdout, a failure on stderr."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from .collection import FileCollector
from .discovery import discover, setup
from .evaluation import Loader
from .failure import Failure


def collect(root: Path, invocations: list[list[str]]) -> dict[str, Any]:
    """Every test file of each pytest invocation (its arguments) from ``root``, each file once."""
    output: dict[str, Any] = {"invocations": [], "files": []}
    done: set[Path] = set()
    for args in invocations:
        rootdir, inifile, options, paths = setup(root, [Path(root, a).resolve() for a in args])
        loader = Loader(rootdir)
        files = discover(paths, options)
        output["invocations"].append(
            {
                "args": args,
                "rootdir": str(rootdir),
                "inifile": str(inifile) if inifile else None,
                "options": options,
                "files": len(files),
            }
        )
        for path in files:
            if path in done:
                continue
            done.add(path)
            collector = FileCollector(loader.module(path), options)
            collector.collect()
            nodeid = Path(os.path.relpath(path, rootdir)).as_posix()
            output["files"].append({"path": str(path), "nodeid": nodeid, "tests": collector.tests})
    return output


def main(stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout, stderr: IO[str] = sys.stderr) -> int:
    """Reads ``{"root": DIR, "invocations": [[ARG, ...], ...]}``, writes the collection; 3 on failure."""
    request = json.load(stdin)
    try:
        output = collect(Path(request["root"]).resolve(), request["invocations"])
    except Failure as failure:
        message = str(failure)
        print(message if message.startswith("{") else json.dumps({"error": message}), file=stderr)
        return 3
    json.dump(output, stdout)
    return 0
