"""Find rule files, compile each in its own namespace, collect located problems.

A rule file is ``*.yar`` or ``*.yara`` below a rules folder; its namespace is its
path relative to that folder (``files/webshell_php.yar``). Files ending in
``.yarinc`` or ``.inc`` are only for ``include``, which may name files inside the
same rules folder only. A file that fails to compile becomes a ``RuleProblem``;
the others still load.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yara

RULE_SUFFIXES = (".yar", ".yara")
INCLUDE_SUFFIXES = (".yarinc", ".inc")
# Externals other scanners (LOKI, THOR, yara CLI users) define; public rules need them to compile.
DEFAULT_EXTERNALS: dict[str, str | int | bool] = {
    "filename": "", "filepath": "", "extension": "", "filetype": "", "owner": "",
}
_LOCATED = re.compile(r"^(?P<path>.*?)\((?P<line>\d+)\): (?P<message>.*)$", re.S)


@dataclass(frozen=True)
class RuleProblem:
    """A rule file that failed to compile (error) or compiled with a warning."""

    path: str
    line: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class RuleInfo:
    """One compiled rule: its name, tags and raw meta."""

    rule: str
    tags: tuple[str, ...]
    meta: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class RuleFile:
    """One rule file: namespace, where it is, its folder root, and its content."""

    namespace: str
    path: Path
    root: Path
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class NamespaceInfo:
    """A namespace that compiled: its file and rules."""

    namespace: str
    path: str
    rules: tuple[RuleInfo, ...]


def discover(roots: Sequence[tuple[Path, Path]]) -> tuple[list[RuleFile], list[RuleProblem]]:
    """Rule files below each (folder or file, base), sorted; namespace relative to base."""
    files: list[RuleFile] = []
    problems: list[RuleProblem] = []
    seen: set[str] = set()
    for folder, base in roots:
        paths = [folder] if folder.is_file() else sorted(
            p for p in folder.rglob("*") if p.suffix.lower() in RULE_SUFFIXES and p.is_file())
        for path in paths:
            namespace = path.relative_to(base).as_posix()
            if namespace in seen:
                namespace = f"{base.name}:{namespace}"
            seen.add(namespace)
            try:
                content = path.read_bytes()
            except OSError as exc:
                problems.append(RuleProblem(str(path), 0, f"cannot read: {exc.strerror or exc}"))
                continue
            files.append(RuleFile(namespace, path, base, content))
    return files, problems


def include_files(roots: Sequence[Path]) -> list[bytes]:
    """Content of include-only files below the roots (they are part of the cache key)."""
    out: list[bytes] = []
    for root in roots:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.suffix.lower() in INCLUDE_SUFFIXES and path.is_file():
                    out.append(path.as_posix().encode() + b"\0" + path.read_bytes())
    return out


def content_key(files: Sequence[RuleFile], extra: Sequence[bytes] = ()) -> str:
    """sha256 of the yara version and every namespace with its content, in order."""
    h = hashlib.sha256(f"yara {yara.YARA_VERSION}; python {yara.__version__}\0".encode())
    h.update(repr(sorted(DEFAULT_EXTERNALS)).encode())
    for f in files:
        h.update(f.namespace.encode() + b"\0" + hashlib.sha256(f.content).digest())
    for blob in extra:
        h.update(hashlib.sha256(blob).digest())
    return h.hexdigest()


def _include_callback(root: Path) -> Any:
    """Resolve `include` relative to the including file, refusing anything outside `root`."""
    resolved_root = root.resolve()

    def callback(requested: str, including: str | None, _namespace: str) -> str | None:
        here = Path(including).parent if including and Path(including).is_file() else root
        target = (here / requested).resolve()
        if not target.is_relative_to(resolved_root) or not target.is_file():
            return None
        if target.suffix.lower() not in RULE_SUFFIXES + INCLUDE_SUFFIXES:
            return None
        return target.read_text(encoding="utf-8", errors="replace")

    return callback


def located(text: str, default_path: str, level: str = "error") -> RuleProblem:
    """Parse yara's ``path(line): message`` into a RuleProblem."""
    m = _LOCATED.match(text.strip())
    if not m:
        return RuleProblem(default_path, 0, text.strip(), level)
    message = m.group("message")
    if message.startswith("callback failed to provide include resource"):
        message = (f"include refused or missing: {message.rsplit(':', 1)[-1].strip()}"
                   " (includes must name a rule file inside the same rules folder)")
    return RuleProblem(m.group("path"), int(m.group("line")), message, level)


def compile_one(f: RuleFile, externals: Mapping[str, str | int | bool] | None = None
                ) -> tuple[NamespaceInfo | None, list[RuleProblem]]:
    """Compile one file alone: its rules, or its located error; warnings either way."""
    try:
        compiled = yara.compile(filepath=str(f.path), externals=dict(externals or DEFAULT_EXTERNALS),
                                include_callback=_include_callback(f.root))
    except yara.SyntaxError as exc:
        return None, [located(str(exc), str(f.path))]
    except yara.Error as exc:
        return None, [RuleProblem(str(f.path), 0, f"cannot compile: {exc}")]
    warnings = [located(w, str(f.path), "warning") for w in getattr(compiled, "warnings", [])]
    rules = tuple(RuleInfo(r.identifier, tuple(r.tags), dict(r.meta)) for r in compiled)
    return NamespaceInfo(f.namespace, str(f.path), rules), warnings


def compile_all(files: Sequence[RuleFile], externals: Mapping[str, str | int | bool] | None = None
                ) -> Any:
    """One compiled object holding every given file in its own namespace."""
    if not files:
        return yara.compile(source="", externals=dict(externals or DEFAULT_EXTERNALS))
    # Includes were resolved per file in compile_one; one root per file is enough here since
    # a file's includes are checked against the root it was found under.
    roots = {f.root for f in files}
    callback = _include_callback(next(iter(roots))) if len(roots) == 1 else _multi_root_callback(files)
    return yara.compile(filepaths={f.namespace: str(f.path) for f in files},
                        externals=dict(externals or DEFAULT_EXTERNALS), include_callback=callback)


def _multi_root_callback(files: Sequence[RuleFile]) -> Any:
    by_namespace = {f.namespace: _include_callback(f.root) for f in files}

    def callback(requested: str, including: str | None, namespace: str) -> str | None:
        inner = by_namespace.get(namespace)
        return inner(requested, including, namespace) if inner else None

    return callback
