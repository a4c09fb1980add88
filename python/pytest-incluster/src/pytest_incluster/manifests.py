"""Manifests as teams keep them: files, directories, kustomizations, YAML text or dicts.

The same reading as incluster's ``src/kube/manifests.ts``: multi-document YAML (``List`` kinds
flattened), directories walked in name order, a directory holding a ``kustomization.yaml`` rendered
by ``kubectl kustomize`` (``$INCLUSTER_KUBECTL``, else ``kubectl`` on PATH, else the one incluster's
local provider built); every object remembers where it came from, so an error names the file and
document.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_YAML_EXTENSIONS = {".yaml", ".yml", ".json"}

Manifests = str | os.PathLike[str] | Mapping[str, Any] | Iterable[str | os.PathLike[str] | Mapping[str, Any]]
"""What ``apply`` takes: a path, YAML text (it has a newline), a dict, or a list of those."""


class ManifestError(ValueError):
    """A manifest that cannot be read, parsed or rendered; names the file and document."""


@dataclass(frozen=True)
class Manifest:
    """One object and where it came from (``file``, document index from 1)."""

    obj: dict[str, Any]
    file: str
    document: int

    @property
    def where(self) -> str:
        return f"{self.file} (document {self.document})"


def load_manifests(manifests: Manifests, root: Path) -> list[Manifest]:
    """Every object ``manifests`` names; relative paths are relative to ``root``."""
    items: Iterable[Any] = [manifests] if isinstance(manifests, (str, os.PathLike, Mapping)) else manifests
    loaded: list[Manifest] = []
    for item in items:
        if isinstance(item, Mapping):
            loaded.extend(Manifest(obj, "<dict>", 1) for obj in _flatten(copy.deepcopy(dict(item)), "<dict>"))
        elif isinstance(item, str) and "\n" in item:
            loaded.extend(parse_manifests(item, "<yaml>"))
        elif isinstance(item, (str, os.PathLike)):
            loaded.extend(_load_path(root / Path(item), str(item)))
        else:
            raise ManifestError(
                f"cannot apply {type(item).__name__} {item!r}: give paths, YAML text or dicts"
            )
    return loaded


def parse_manifests(text: str, file: str) -> list[Manifest]:
    """Objects of a multi-document YAML text; empty documents are skipped."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        raise ManifestError(f"{file}: not valid YAML: {error}") from None
    loaded: list[Manifest] = []
    for index, data in enumerate(documents, start=1):
        if data is None:
            continue
        loaded.extend(Manifest(obj, file, index) for obj in _flatten(data, f"{file} (document {index})"))
    return loaded


def render_kustomization(directory: Path) -> list[Manifest]:
    """Renders a kustomization with ``kubectl kustomize`` and parses what it prints."""
    kubectl = os.environ.get("INCLUSTER_KUBECTL") or shutil.which("kubectl") or _cached_kubectl()
    if not kubectl:
        raise ManifestError(
            f"rendering the kustomization {directory} needs kubectl: install it, or set INCLUSTER_KUBECTL"
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout).splitlines()
        raise ManifestError(
            f"{directory}: `kubectl kustomize` failed: {said[0] if said else result.returncode}"
        )
    return parse_manifests(result.stdout, f"{directory} (kustomize)")


def _cached_kubectl() -> str | None:
    """The kubectl the local provider built (``~/.cache/incluster/kubernetes/v*/bin``), newest first."""
    # expanduser, not Path.home(): a runner pod's user may have no home to find.
    cache = Path(os.environ.get("INCLUSTER_CACHE_DIR") or os.path.expanduser("~/.cache/incluster"))
    found = sorted(cache.glob("kubernetes/v*/bin/kubectl"), reverse=True)
    return str(found[0]) if found else None


def _load_path(path: Path, shown: str) -> list[Manifest]:
    if not path.exists():
        raise ManifestError(f"manifest path {shown} does not exist")
    if path.is_file():
        if path.name in KUSTOMIZATION_FILES:  # a kustomization file named directly stands for its directory
            return render_kustomization(path.parent)
        return parse_manifests(path.read_text(encoding="utf-8"), str(path))
    entries = sorted(path.iterdir(), key=lambda p: p.name)
    if any(entry.is_file() and entry.name in KUSTOMIZATION_FILES for entry in entries):
        return render_kustomization(path)
    loaded: list[Manifest] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            loaded.extend(_load_path(entry, f"{shown}/{entry.name}"))
        elif entry.suffix in _YAML_EXTENSIONS:
            loaded.extend(parse_manifests(entry.read_text(encoding="utf-8"), str(entry)))
    return loaded


def _flatten(data: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise ManifestError(f"{where}: expected a Kubernetes object (a mapping)")
    kind = data.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(data.get("items"), list):
        return [obj for item in data["items"] for obj in _flatten(item, where)]
    if not isinstance(data.get("apiVersion"), str) or not data["apiVersion"]:
        raise ManifestError(f"{where}: apiVersion is missing")
    if not isinstance(kind, str) or not kind:
        raise ManifestError(f"{where}: kind is missing")
    metadata = data.get("metadata")
    if not isinstance(metadata, dict) or not metadata.get("name"):
        raise ManifestError(f"{where}: {kind} has no metadata.name")
    return [data]


def pull_risks(manifests: list[Manifest]) -> list[str]:
    """Containers that would pull from a registry: untagged, ``:latest``, no or ``Always`` pull policy."""
    warnings: list[str] = []
    for manifest in manifests:
        obj = manifest.obj
        name = f"{obj['kind']}/{obj['metadata'].get('name')}"
        for container in _containers(obj):
            image = str(container.get("image") or "")
            problems: list[str] = []
            last = image.split("@", maxsplit=1)[0].rsplit("/", 1)[-1]
            tag = last.rsplit(":", 1)[1] if ":" in last else None
            if "@" not in image:
                if tag is None:
                    problems.append("has no tag (means :latest)")
                elif tag == "latest":
                    problems.append("is tagged :latest")
            policy = container.get("imagePullPolicy")
            if not policy:
                problems.append("has no explicit imagePullPolicy")
            elif policy == "Always":
                problems.append("has imagePullPolicy: Always")
            warnings.extend(
                f'{manifest.where}: {name} container {container.get("name")} image "{image}" {problem}; '
                "it would pull from a registry"
                for problem in problems
            )
    return warnings


def _containers(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        pod_spec = spec
    elif obj.get("kind") == "CronJob":
        pod_spec = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec") or {}
    else:
        pod_spec = (spec.get("template") or {}).get("spec") or {}
    keys = ("initContainers", "containers", "ephemeralContainers")
    return [c for key in keys for c in pod_spec.get(key) or [] if isinstance(c, Mapping)]
