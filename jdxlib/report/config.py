"""Batch configuration for ``jdx report --config FILE`` (YAML).

::

    # reports.yml — run name "reports" → <out>/reports/
    out: ../reports            # optional; relative to this file; --out wins
    formats: [html, pdf]       # optional default for every item (else html)
    jobs: 2                    # optional; --jobs wins
    timeout: 600               # optional seconds per report (default 1800; 0 = none); --timeout wins
    cluster: tcp://10.0.0.5:8786  # optional Dask scheduler (see README); --cluster wins
    reports:
      - notebook: overview                     # one notebook, default parameters
      - notebooks: [governance, ai_rpa]        # notebooks × parameter sets
        parameter_sets:
          - {prefecture: 東京都, highlight: 世田谷区}
          - {prefecture: 島根県}
        formats: [html]
      - notebook: telework
        prefectures: [北海道, 沖縄県]           # once per prefecture (or: all)
      - notebook: profile_municipality
        municipalities: 島根県                  # every municipality of a prefecture
      - notebook: telework
        parameters: {prefecture: "13"}         # quote codes: 011002 unquoted is a number
        name: telework-tokyo                   # file stem (one parameter set only)

``prefecture`` / ``highlight`` (and ``prefectures`` / ``municipalities``) only for themes with
per-body data (``per_body`` in jdxlib/themes.yml); a national-only theme refuses them.

Every error names the file, the line and the key at fault, e.g.
``reports.yml:7: reports[1].parameter_sets[0]: unknown parameter 'prefcture' for
governance (its parameters: prefecture, highlight)``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .catalog import Catalog, CatalogError, NotebookInfo
from .runner import name_problem
from .runner import quote as _quote

FORMATS = ("html", "pdf")
TOP_KEYS = ("out", "formats", "jobs", "timeout", "cluster", "reports")
ITEM_KEYS = (
    "notebook",
    "notebooks",
    "parameters",
    "parameter_sets",
    "formats",
    "name",
    "prefectures",
    "municipalities",
    "timeout",
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
    timeout: float | None = None  # seconds per report (None: the batch's)
    where: str = ""  # "file:line" for later errors (name resolution)


@dataclass
class BatchConfig:
    path: Path
    run: str
    out: Path | None
    jobs: int | None
    items: list[ConfigItem] = field(default_factory=list)
    timeout: float | None = None  # seconds per report; 0 = no limit
    cluster: str | None = None  # a Dask scheduler address


#: Dask scheduler addresses jdx accepts (tls:// takes its certificates from Dask's configuration).
CLUSTER_SCHEMES = ("tcp", "tls")


def cluster_problem(value: Any) -> str | None:
    """Why *value* is not a Dask scheduler address such as ``tcp://host:8786``, or None."""
    import urllib.parse

    example = "a Dask scheduler address such as tcp://host:8786 (or tls://host:8786)"
    if not isinstance(value, str) or not value.strip():
        return f"expected {example}, found {_quote(value)}"
    try:
        url = urllib.parse.urlsplit(value.strip())
        port = url.port
    except ValueError:
        return f"expected {example}, found {_quote(value)}"
    if url.scheme not in CLUSTER_SCHEMES or not url.hostname or port is None or port == 0 \
            or url.path not in ("", "/") or url.query or url.fragment or url.username:
        return f"expected {example}, found {_quote(value)}"
    return None


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

#: Tags a configuration may use: plain values, lists and mappings (no python/*, no !custom).
_SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")
)
#: Values after expanding aliases: a real batch has a few hundred; a "billion laughs" file
#: of 1 KB has 10⁹.  Counted on the composed node graph, before any value is constructed.
MAX_VALUES = 20_000
MAX_BYTES = 1 << 20


def _tag_text(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _check_graph(ctx: "_Ctx", root: Node) -> None:
    """Reject unsafe tags, aliases that refer to themselves and alias bombs.

    Walks the composed graph once per distinct node (aliases share nodes), so a bomb costs
    as much as its text; the expanded size is summed bottom-up and capped.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        nid = id(node)
        if leaving:
            on_path.discard(nid)
            if isinstance(node, SequenceNode):
                total = 1 + sum(size[id(c)] for c in node.value)
            elif isinstance(node, MappingNode):
                total = 1 + sum(size[id(k)] + size[id(v)] for k, v in node.value)
            else:
                total = 1
            if total > MAX_VALUES:
                raise ctx.error(
                    node, "",
                    f"too large: its aliases expand to more than {MAX_VALUES:,} values "
                    "(an alias bomb?); write the reports out instead",
                )
            size[nid] = total
            continue
        if nid in size:
            continue
        if nid in on_path:
            raise ctx.error(node, "", "an alias refers to itself (a recursive structure); aliases must not contain themselves")
        if node.tag not in _SAFE_TAGS:
            raise ctx.error(
                node, "", f"the YAML tag {_quote(_tag_text(node.tag))} is not allowed "
                "(a configuration holds plain values, lists and mappings only)"
            )
        on_path.add(nid)
        stack.append((node, True))
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [c for kv in node.value for c in kv]
        else:
            children = []
        for child in reversed(children):
            cid = id(child)
            if cid in on_path:
                raise ctx.error(
                    child, "",
                    "an alias refers to itself (a recursive structure); aliases must not contain themselves",
                )
            if cid not in size:
                stack.append((child, False))


def _read_utf8(path: Path) -> str:
    """The file's text: UTF-8 with or without BOM, else a ConfigError saying so."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{path.name}: larger than {MAX_BYTES // 1024} KiB; a report configuration is a short text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path.name}:{line}: the file must be UTF-8 (with or without BOM), but byte "
            f"{exc.start + 1} is not; save it as UTF-8 (Shift_JIS from Japanese Windows "
            "needs converting, e.g. 「UTF-8」 in the editor's save dialog)"
        ) from None


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
    return _quote(node.value) if node.value != "" else "nothing"


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


def _timeout(ctx: _Ctx, node: Node, key: str) -> float:
    val = _value(node) if isinstance(node, ScalarNode) else None
    if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0 or val != val:
        raise ctx.error(node, key, f"expected seconds (a number ≥ 0; 0 = no limit), found {_kind(node)}")
    return float(val)


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
        value = _param_value(vnode, notebooks[0], name)
        for info in notebooks:
            problem = _type_problem(value, vnode, info.parameter(name))
            if problem:
                raise ctx.error(vnode, _join(key, name), problem)
        out[name] = value
    return out


def _body_problem(key: str, pset: dict[str, Any], entries: dict) -> str | None:
    """National-only themes take no prefecture/highlight (the rule of the CLI and notebooks)."""
    from .. import themes

    for name in ("prefecture", "highlight"):
        if name in pset and isinstance(pset[name], str) and not pset[name].strip():
            return f"{name}: empty; give a name or a code, or ~ for the whole country"
    body = "prefectures" in entries or "municipalities" in entries
    try:
        themes.check_body_parameters(
            key, prefecture=pset.get("prefecture") or (True if body else None),
            highlight=pset.get("highlight"),
        )
    except themes.ThemeParameterError as exc:
        return str(exc)
    return None


#: Annotation names whose values are checked; any other name in an annotation skips the check.
_CHECKED_TYPES = {"str", "int", "float", "bool", "None", "Optional", "list", "dict"}


def _type_problem(value: Any, node: Node, param) -> str | None:
    """Why *value* does not fit the notebook's declared type (``name: type = default``)."""
    if param is None or not param.base_types or not param.base_types <= _CHECKED_TYPES:
        return None
    types = param.base_types
    if value is None:
        ok = bool(types & {"None", "Optional"})
    elif isinstance(value, bool):
        ok = "bool" in types
    elif isinstance(value, int):
        ok = bool(types & {"int", "float"})
    elif isinstance(value, float):
        ok = "float" in types
    elif isinstance(value, str):
        ok = "str" in types
    elif isinstance(value, list):
        ok = "list" in types
    elif isinstance(value, dict):
        ok = "dict" in types
    else:
        ok = False
    if ok:
        return None
    if isinstance(node, ScalarNode):
        found = _quote(node.value)[1:-1] if node.style is None else _quote(node.value)
        if node.style is None and len(str(node.value)) > 80:
            found = _quote(node.value)
    else:
        found = _kind(node)
    declared = " or ".join(t.strip() for t in str(param.type).split("|"))
    return f"expected {declared}, found {found} (the notebook declares {param.name}: {param.type})"


def load_config(path: str | Path, catalog: Catalog) -> BatchConfig:
    """Read and validate a batch configuration; raise ConfigError with file:line: key."""
    path = Path(path)
    ctx = _Ctx(path)
    text = _read_utf8(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(f"{path.name}:{line}: YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:  # ReaderError: control characters and the like
        pos = getattr(exc, "position", None)
        line = text[:pos].count("\n") + 1 if isinstance(pos, int) else 1
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path.name}:{line}: not a YAML text file: {reason}") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply") from None
    if root is None:
        raise ConfigError(f"{path.name}:1: the file is empty; it needs a 'reports' list")
    _check_graph(ctx, root)
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
    timeout = _timeout(ctx, top["timeout"][1], "timeout") if "timeout" in top else None
    cluster = None
    if "cluster" in top:
        v = top["cluster"][1]
        cluster = _value(v) if isinstance(v, ScalarNode) else None
        problem = cluster_problem(cluster) if isinstance(v, ScalarNode) else (
            f"expected a Dask scheduler address such as tcp://host:8786, found {_kind(v)}")
        if problem:
            raise ctx.error(v, "cluster", problem)
        cluster = cluster.strip()
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
            name = str(v.value)
            problem = name_problem(name)
            if problem:
                raise ctx.error(v, _join(key, "name"), problem)
        for j, pset in enumerate(sets):
            for nb in notebooks:
                if nb.parameter("prefecture") is None and nb.parameter("highlight") is None:
                    continue
                problem = _body_problem(nb.key, pset, entries)
                if problem:
                    where = entries.get("parameter_sets", entries.get("parameters", entries.get("prefectures", entries.get("municipalities", (None, node)))))[1]
                    sub = "parameter_sets" if "parameter_sets" in entries else "parameters" if "parameters" in entries else ("prefectures" if "prefectures" in entries else "municipalities")
                    raise ctx.error(where, _join(key, sub), problem)
        selectors: dict[str, Any] = {}
        for sel in ("prefectures", "municipalities"):
            if sel in entries:
                v = entries[sel][1]
                vals = _str_list(ctx, v, _join(key, sel))
                selectors[sel] = "all" if vals == ["all"] else vals
        item_timeout = _timeout(ctx, entries["timeout"][1], _join(key, "timeout")) if "timeout" in entries else None
        items.append(
            ConfigItem(
                notebooks=notebooks,
                parameter_sets=sets,
                formats=fmts,
                name=name,
                where=ctx.where(node),
                timeout=item_timeout if item_timeout else None,
                **selectors,
            )
        )
    return BatchConfig(path=path, run=path.stem, out=out, jobs=jobs, items=items, timeout=timeout,
                       cluster=cluster)
