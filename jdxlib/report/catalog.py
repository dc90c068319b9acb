"""The notebooks ``jdx report`` can run, and the parameters each one declares.

Notebooks live in ``notebooks/`` (``JDX_NOTEBOOKS_DIR`` moves it, e.g. for tests):

- ``NN_key.ipynb`` — the overview (``00_overview``) and the theme notebooks; the report *key*
  is the stem without its number: ``04_security`` → ``security``.
- ``profile_*.ipynb`` — the prefecture / municipality profiles; the key is the whole stem
  (``profile_prefecture``).

Parameters are read from the cell tagged ``parameters``, one per line::

    prefecture: str | None = None  # 都道府県名またはコード（None = 全国）
"""
from __future__ import annotations

import ast
import difflib
import io
import json
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._paths import NOTEBOOKS_DIR, env_path

_NUMBERED = re.compile(r"^(?P<num>\d+)_(?P<key>[A-Za-z0-9_]+)$")
_PROFILE = re.compile(r"^profile_[A-Za-z0-9_]+$")


class CatalogError(ValueError):
    """An unknown notebook key or an unreadable parameters cell."""


def notebooks_dir() -> Path:
    """The notebooks folder (``JDX_NOTEBOOKS_DIR`` or ``<project>/notebooks``)."""
    env = env_path("JDX_NOTEBOOKS_DIR")
    return Path(env) if env else NOTEBOOKS_DIR


@dataclass(frozen=True)
class Parameter:
    """One line of a ``parameters`` cell."""

    name: str
    type: str | None  # the annotation as written, e.g. "str | None"
    default: str  # the default as written (source text)
    description: str = ""

    @property
    def default_value(self) -> Any:
        """The default as a Python value when it is a literal, else its source text."""
        try:
            return ast.literal_eval(self.default)
        except (ValueError, SyntaxError):
            return self.default

    @property
    def base_types(self) -> set[str]:
        """Type names in the annotation: ``"str | None"`` → ``{"str", "None"}``."""
        if not self.type:
            return set()
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", self.type))

    def line(self) -> str:
        ann = f": {self.type}" if self.type else ""
        doc = f"  # {self.description}" if self.description else ""
        return f"{self.name}{ann} = {self.default}{doc}"


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook that ``jdx report`` can run."""

    key: str
    path: Path
    kind: str  # "theme" (NN_key, including the overview) or "profile"
    number: int | None
    title: str
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def parse_parameters(source: str, *, where: str = "parameters cell") -> tuple[Parameter, ...]:
    """Parse ``name: type = default  # 説明`` lines (comments and blank lines allowed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CatalogError(f"{where}: line {exc.lineno}: {exc.msg}") from None
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):  # pragma: no cover - ast accepted it
        pass
    params: list[Parameter] = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            ann = ast.get_source_segment(source, node.annotation)
            if isinstance(node.annotation, ast.Constant) and isinstance(node.annotation.value, str):
                ann = node.annotation.value  # "Optional[str]": quoted so papermill can read it
            value = ast.get_source_segment(source, node.value) if node.value is not None else "None"
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, ann = node.targets[0].id, None
            value = ast.get_source_segment(source, node.value)
        else:
            continue
        doc = comments.get(node.end_lineno or node.lineno, "") or comments.get(node.lineno, "")
        params.append(Parameter(name=name, type=ann, default=value or "None", description=doc))
    return tuple(params)


def _title(cells: list[dict], fallback: str) -> str:
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in _cell_source(cell).splitlines():
            m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1).strip()
    return fallback


def read_notebook_info(path: Path) -> NotebookInfo:
    """Read key, kind, title and parameters of one notebook file."""
    path = Path(path)
    stem = path.stem
    m = _NUMBERED.match(stem)
    if m:
        key, kind, number = m.group("key"), "theme", int(m.group("num"))
    elif _PROFILE.match(stem):
        key, kind, number = stem, "profile", None
    else:
        raise CatalogError(f"{path.name}: not a report notebook (NN_key.ipynb or profile_*.ipynb)")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read notebook: {exc}") from None
    cells = nb.get("cells", [])
    params: tuple[Parameter, ...] = ()
    for cell in cells:
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            params = parse_parameters(_cell_source(cell), where=f"{path.name} parameters cell")
            break
    return NotebookInfo(
        key=key, path=path, kind=kind, number=number, title=_title(cells, key), parameters=params
    )


class Catalog:
    """Every report notebook in a folder, by key."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory else notebooks_dir()
        self._by_key: dict[str, NotebookInfo] = {}
        if self.directory.is_dir():
            paths = sorted(self.directory.glob("*.ipynb"))
            for path in paths:
                if not (_NUMBERED.match(path.stem) or _PROFILE.match(path.stem)):
                    continue
                info = read_notebook_info(path)
                if info.key in self._by_key:
                    other = self._by_key[info.key].path.name
                    raise CatalogError(f"two notebooks have the key {info.key!r}: {other}, {path.name}")
                self._by_key[info.key] = info

    def __iter__(self):
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def all(self) -> list[NotebookInfo]:
        """Numbered notebooks in number order, then the profiles."""
        return sorted(
            self._by_key.values(),
            key=lambda n: (n.kind != "theme", n.number if n.number is not None else 0, n.key),
        )

    def themes(self) -> list[NotebookInfo]:
        """The overview and the theme notebooks (``NN_key``)."""
        return [n for n in self.all() if n.kind == "theme"]

    def profiles(self) -> list[NotebookInfo]:
        return [n for n in self.all() if n.kind == "profile"]

    def keys(self) -> list[str]:
        return [n.key for n in self.all()]

    def get(self, key: str) -> NotebookInfo:
        """The notebook for *key* (``security``, ``04_security`` or a file name also work)."""
        key = key.strip()
        if key.endswith(".ipynb"):
            key = Path(key).stem
        if key in self._by_key:
            return self._by_key[key]
        m = _NUMBERED.match(key)
        if m and m.group("key") in self._by_key:
            return self._by_key[m.group("key")]
        valid = self.keys()
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6) if len(key) <= 100 else []
        hint = f" Did you mean {close[0]!r}?" if close else ""
        listing = ", ".join(valid) if valid else f"(none found in {self.directory})"
        from .runner import quote

        raise CatalogError(f"Unknown notebook {quote(key)}.{hint} Valid keys: {listing}.")

    def describe(self) -> str:
        """The text shown by ``jdx report --list``."""
        if not self._by_key:
            return f"No report notebooks in {self.directory}."
        lines = []
        for info in self.all():
            lines.append(f"{info.key}  ({info.path.name}) — {info.title}")
            if not info.parameters:
                lines.append("    (no parameters)")
            for p in info.parameters:
                lines.append(f"    {p.line()}")
        return "\n".join(lines)
