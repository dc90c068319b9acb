"""Batch configuration for ``jdx report --config FILE`` (YAML).

::

    # reports.yml — run name "reports" → <out>/reports/
    out: ../reports            # optional; relative to this file; --out wins
    formats: [html, pdf]       # optional default for every item (else html)
    jobs: 2                    # optional; --jobs wins
    reports:
      - notebook: overview                     # one notebook, default parameters
      - notebooks: [security, ai_rpa]          # notebooks × parameter sets
        parameter_sets:
          - {prefecture: 東京都, highlight: 世田谷区}
          - {prefecture: 島根県}
        formats: [html]
      - notebook: telework
        prefectures: [北海道, 沖縄県]           # once per prefecture (or: all)
      - notebook: profile_municipality
        municipalities: 島根県                  # every municipality of a prefecture
      - notebook: security
        parameters: {prefecture: "13"}         # quote codes: 011002 unquoted is a number
        name: security-tokyo                   # file stem (one parameter set only)

Every error names the file, the line and the key at fault, e.g.
``reports.yml:7: reports[1].parameter_sets[0]: unknown parameter 'prefcture' for
security (its parameters: prefecture, highlight)``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .catalog import Catalog, CatalogError, NotebookInfo

FORMATS = ("html", "pdf")
TOP_KEYS = ("out", "formats", "jobs", "reports")
ITEM_KEYS = (
    "notebook",
    "notebooks",
    "parameters",
    "parameter_sets",
    "formats",
    "name",
    "prefectures",
    "municipalities",
)


class ConfigError(ValueError):
    """A malformed batch configuration (the message gives file, line and key)."""


@dataclass
class ConfigItem:
    notebooks: list[NotebookInfo]
    parameter_sets: list[dict[str, Any]]
    formats: tuple[str, ...]
    name: str | None = None
    prefectures: str | list[str] | None = None
    municipalities: str | list[str] | None = None
    where: str = ""  # "file:line" for later errors (name resolution)


@dataclass
class BatchConfig:
    path: Path
    run: str
    out: Path | None
    jobs: int | None
    items: list[ConfigItem] = field(default_factory=list)


class _Ctx:
    def __init__(self, path: Path):
        self.path = path

    def error(self, node: Node | None, key: str, message: str) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else 1
        where = f"{self.path.name}:{line}"
        return ConfigError(f"{where}: {key}: {message}" if key else f"{where}: {message}")

    def where(self, node: Node) -> str:
        return f"{self.path.name}:{node.start_mark.line + 1}"


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _value(node: Node) -> Any:
    """A node as a plain Python value (YAML 1.1 safe rules)."""
    return _CONSTRUCTOR.construct_object(node, deep=True)


def _mapping(ctx: _Ctx, node: Node, key: str, allowed: tuple[str, ...] | None) -> dict[str, tuple[Node, Node]]:
    if not isinstance(node, MappingNode):
        raise ctx.error(node, key, f"expected a mapping (key: value), found {_kind(node)}")
    out: dict[str, tuple[Node, Node]] = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            raise ctx.error(k, key, "keys must be plain names")
        name = str(k.value)
        if name in out:
            raise ctx.error(k, _join(key, name), "duplicate key")
        if allowed is not None and name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ctx.error(
                k, _join(key, name), f"unknown key{hint}; valid keys: {', '.join(allowed)}"
            )
        out[name] = (k, v)
    return out


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"{node.value!r}" if node.value != "" else "nothing"


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _str_list(ctx: _Ctx, node: Node, key: str) -> list[str]:
    if isinstance(node, ScalarNode):
        if node.value == "":
            raise ctx.error(node, key, "empty value")
        return [s.strip() for s in str(node.value).split(",") if s.strip()]
    if isinstance(node, SequenceNode):
        out = []
        for i, item in enumerate(node.value):
            if not isinstance(item, ScalarNode) or item.value == "":
                raise ctx.error(item, f"{key}[{i}]", "expected a name")
            out.append(str(item.value))
        return out
    raise ctx.error(node, key, f"expected a name or a list of names, found {_kind(node)}")


def _formats(ctx: _Ctx, node: Node, key: str) -> tuple[str, ...]:
    fmts = _str_list(ctx, node, key)
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise ctx.error(node, key, f"unknown format {bad[0]!r}; valid formats: {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(fmts))


def _param_value(node: Node, info: NotebookInfo, name: str) -> Any:
    """Convert by the parameter's declared type: a plain ``011002`` for a ``str`` parameter
    stays the text ``"011002"`` (YAML would read it as the octal number 4610)."""
    p = info.parameter(name)
    types = p.base_types if p else set()
    if isinstance(node, ScalarNode) and node.style is None and "str" in types:
        if node.value in ("", "~", "null", "Null", "NULL") and "None" in types | {"Optional"}:
            return None
        if not (types & {"int", "float", "bool"}):
            return str(node.value)
    return _value(node)


def _parameter_set(ctx: _Ctx, node: Node, key: str, notebooks: list[NotebookInfo]) -> dict[str, Any]:
    if isinstance(node, ScalarNode) and node.value in ("", "~", "null"):
        return {}
    entries = _mapping(ctx, node, key, None)
    out: dict[str, Any] = {}
    for name, (knode, vnode) in entries.items():
        for info in notebooks:
            if info.parameter(name) is None:
                valid = ", ".join(info.parameter_names) or "none"
                close = difflib.get_close_matches(name, info.parameter_names, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ctx.error(
                    knode,
                    _join(key, name),
                    f"unknown parameter {name!r} for {info.key}{hint} (its parameters: {valid})",
                )
        out[name] = _param_value(vnode, notebooks[0], name)
    return out


def load_config(path: str | Path, catalog: Catalog) -> BatchConfig:
    """Read and validate a batch configuration; raise ConfigError with file:line: key."""
    path = Path(path)
    ctx = _Ctx(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{path.name}:{line}: YAML syntax error: {exc.problem or exc}") from None
    if root is None:
        raise ConfigError(f"{path.name}:1: the file is empty; it needs a 'reports' list")
    top = _mapping(ctx, root, "", TOP_KEYS)
    if "reports" not in top:
        raise ctx.error(root, "reports", "missing: a list of reports to run")

    out = None
    if "out" in top:
        k, v = top["out"]
        if not isinstance(v, ScalarNode) or v.value == "":
            raise ctx.error(v, "out", "expected a folder path")
        out = Path(str(v.value)).expanduser()
        if not out.is_absolute():
            out = (path.parent / out).resolve()
    jobs = None
    if "jobs" in top:
        k, v = top["jobs"]
        val = _value(v) if isinstance(v, ScalarNode) else None
        if not isinstance(val, int) or isinstance(val, bool) or val < 1:
            raise ctx.error(v, "jobs", f"expected a whole number ≥ 1, found {_kind(v)}")
        jobs = val
    default_formats: tuple[str, ...] = ("html",)
    if "formats" in top:
        default_formats = _formats(ctx, top["formats"][1], "formats")

    k, reports = top["reports"]
    if not isinstance(reports, SequenceNode) or not reports.value:
        raise ctx.error(reports, "reports", "expected a non-empty list of reports")
    items: list[ConfigItem] = []
    for i, node in enumerate(reports.value):
        key = f"reports[{i}]"
        entries = _mapping(ctx, node, key, ITEM_KEYS)
        if ("notebook" in entries) == ("notebooks" in entries):
            raise ctx.error(node, key, "give exactly one of 'notebook' or 'notebooks'")
        nk = "notebook" if "notebook" in entries else "notebooks"
        names = _str_list(ctx, entries[nk][1], _join(key, nk))
        if nk == "notebook" and len(names) != 1:
            raise ctx.error(entries[nk][1], _join(key, nk), "one notebook; use 'notebooks' for a list")
        notebooks = []
        for name in names:
            try:
                notebooks.append(catalog.get(name))
            except CatalogError as exc:
                raise ctx.error(entries[nk][1], _join(key, nk), str(exc)) from None
        if "parameters" in entries and "parameter_sets" in entries:
            raise ctx.error(node, key, "give 'parameters' or 'parameter_sets', not both")
        sets: list[dict[str, Any]] = [{}]
        if "parameters" in entries:
            sets = [_parameter_set(ctx, entries["parameters"][1], _join(key, "parameters"), notebooks)]
        elif "parameter_sets" in entries:
            seq = entries["parameter_sets"][1]
            if not isinstance(seq, SequenceNode) or not seq.value:
                raise ctx.error(seq, _join(key, "parameter_sets"), "expected a non-empty list of mappings")
            sets = [
                _parameter_set(ctx, s, f"{key}.parameter_sets[{j}]", notebooks)
                for j, s in enumerate(seq.value)
            ]
        fmts = _formats(ctx, entries["formats"][1], _join(key, "formats")) if "formats" in entries else default_formats
        name = None
        if "name" in entries:
            v = entries["name"][1]
            if not isinstance(v, ScalarNode) or not str(v.value).strip():
                raise ctx.error(v, _join(key, "name"), "expected a file name")
            if len(sets) * len(notebooks) != 1 or "prefectures" in entries or "municipalities" in entries:
                raise ctx.error(v, _join(key, "name"), "a name needs exactly one notebook and one parameter set")
            name = str(v.value).strip()
        selectors: dict[str, Any] = {}
        for sel in ("prefectures", "municipalities"):
            if sel in entries:
                v = entries[sel][1]
                vals = _str_list(ctx, v, _join(key, sel))
                selectors[sel] = "all" if vals == ["all"] else vals
        items.append(
            ConfigItem(
                notebooks=notebooks,
                parameter_sets=sets,
                formats=fmts,
                name=name,
                where=ctx.where(node),
                **selectors,
            )
        )
    return BatchConfig(path=path, run=path.stem, out=out, jobs=jobs, items=items)
