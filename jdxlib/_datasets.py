"""The dataset registry: a dataset is a name, a loader and a metadata record.

Metadata records are data (``jdxlib/metadata/<name>.yml``); loaders are imported lazily so
that ``import jdxlib`` stays fast.
"""
from __future__ import annotations

import copy
import difflib
import re
import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import yaml

from ._paths import PACKAGE_DIR

# name -> "module:function" returning a pandas DataFrame.  Keep in sync with metadata/*.yml
# (a test checks both ways).
_LOADERS: dict[str, str] = {
    "national_indicators": "jdxlib.national:load_national_indicators",
    "indicator_registry": "jdxlib.national:load_indicator_registry",
    "municipalities": "jdxlib.municipal:load_municipalities",
    "prefectures": "jdxlib.municipal:load_prefectures",
    "dx_status": "jdxlib.municipal:load_dx_status",
    "online_procedures": "jdxlib.municipal:load_online_procedures",
    "mynumber_cards": "jdxlib.municipal:load_mynumber_cards",
    "boundaries": "jdxlib.municipal:load_boundaries",
    "opendata_survey": "jdxlib._opendata_loaders:load_opendata_survey",
    "opendata_questions": "jdxlib._opendata_loaders:load_opendata_questions",
}

REQUIRED_FIELDS = (
    "title",
    "description",
    "producer",
    "sources",
    "reference_dates",
    "licence",
    "credit",
    "columns",
    "denominators",
    "caveats",
)


class UnknownDatasetError(KeyError):
    """Raised for a dataset name that jdx does not know."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])


@dataclass(frozen=True)
class ColumnInfo:
    """Definition and unit of one column."""

    name: str
    definition: str
    unit: str | None = None
    dtype: str | None = None


# column names, file names and code in a note: such notes are for analysts, not report readers
_CODE_WORDS = re.compile(r"[A-Za-z]+_[A-Za-z0-9_]+|\b[a-z][a-z0-9]{3,}\b|\b(?:None|jdxlib)\b|\.csv|\w\(")


@dataclass(frozen=True)
class DatasetMetadata:
    """The provenance record of a dataset, as returned by :func:`describe`.

    Attributes
    ----------
    name, title, description, producer : str
    sources : list of dict
        Each with ``title`` and ``url`` (the publisher's page; provenance).
    reference_dates : list of str
        Survey reference dates (``YYYY-MM-DD``) or explanatory strings such as ``"not stated"``.
    licence : str
    credit : str
        The 出典 line as the publisher asks for it.
    processed : bool
        True when jdx transformed the data; the credit line then says 「…を加工して作成」.
    columns : dict of ColumnInfo
    denominators : list of str
    caveats : list of str
    """

    name: str
    title: str
    description: str
    producer: str
    sources: list[dict[str, str]]
    reference_dates: list[str]
    licence: str
    credit: str
    processed: bool
    columns: dict[str, ColumnInfo]
    denominators: list[str]
    caveats: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def credit_line(self) -> str:
        """「出典：…」 with 「を加工して作成」 when jdx processed the data."""
        line = f"出典：{self.credit}"
        return line + "を加工して作成" if self.processed else line

    @property
    def source_urls(self) -> list[str]:
        return [s["url"] for s in self.sources]

    def to_markdown(self) -> str:
        """A compact Markdown rendering for notebooks and reports."""
        lines = [f"**{self.title}** (`{self.name}`)", "", self.description.strip(), ""]
        lines.append(f"- 作成者 / producer: {self.producer}")
        lines.append(f"- 調査時点 / reference date: {', '.join(self.reference_dates)}")
        lines.append(f"- 分母 / denominators: {'; '.join(self.denominators)}")
        lines.append(f"- ライセンス / licence: {self.licence}")
        lines.append(f"- {self.credit_line}")
        for s in self.sources:
            lines.append(f"- source: [{s['title']}]({s['url']})")
        if self.caveats:
            lines.append("- 注意 / caveats:")
            lines.extend(f"  - {c}" for c in self.caveats)
        lines += ["", "| column | definition | unit |", "|---|---|---|"]
        for c in self.columns.values():
            lines.append(f"| `{c.name}` | {c.definition} | {c.unit or ''} |")
        return "\n".join(lines)

    def summary_markdown(self) -> str:
        """A short Japanese source note for a report's appendix: who, when, licence, credit, links.

        Uses the ``reader`` block of the metadata (Japanese wording without column names or
        code) where there is one; notes that name columns or code are left to
        :meth:`to_markdown` (analysts), so the reader sees only plain Japanese.
        """
        reader = self.extra.get("reader") or {}
        lines = [f"**{reader.get('title', self.title)}**", ""]
        lines.append(f"- 作成：{reader.get('producer', self.producer)}")
        lines.append(f"- 調査時点：{'／'.join(self.reference_dates)}")
        dens = [d for d in self.denominators if not _CODE_WORDS.search(d)]
        if dens:
            lines.append(f"- 分母：{'／'.join(dens)}")
        lines.append(f"- 利用条件：{reader.get('licence', self.licence)}")
        lines.append(f"- 出典表記：{self.credit_line}")
        for s in reader.get("sources", self.sources):
            lines.append(f"- 元データ：[{s['title']}]({s['url']})" if s.get("url") else f"- 元データ：{s['title']}")
        lines.extend(f"- 注意：{c}" for c in self.caveats if not _CODE_WORDS.search(c))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def list_datasets() -> list[str]:
    """Names of every dataset jdx provides, sorted.

    Examples
    --------
    >>> "national_indicators" in list_datasets()
    True
    """
    return sorted(_LOADERS)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or name not in _LOADERS:
        valid = list_datasets()
        close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownDatasetError(
            f"Unknown dataset {name!r}.{hint} Valid names: {', '.join(valid)}."
        )
    return name


def describe(name: str) -> DatasetMetadata:
    """Return the metadata record of dataset *name*.

    The record is the caller's own copy: changing its lists or dicts never changes what
    later callers get (the parsed file is cached privately).

    Raises
    ------
    UnknownDatasetError
        With the list of valid names and a close match, if any.

    Examples
    --------
    >>> meta = describe("national_indicators")
    >>> meta.caveats.clear()
    >>> len(describe("national_indicators").caveats) > 0
    True
    """
    return copy.deepcopy(_metadata_record(_check_name(name)))


@lru_cache(maxsize=None)
def _metadata_record(name: str) -> DatasetMetadata:
    path = PACKAGE_DIR / "metadata" / f"{name}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [f for f in REQUIRED_FIELDS if not raw.get(f)]
    if missing:
        raise ValueError(f"metadata/{name}.yml lacks required fields: {', '.join(missing)}")
    columns = {
        col: ColumnInfo(name=col, **spec) for col, spec in (raw.pop("columns") or {}).items()
    }
    known = {f for f in DatasetMetadata.__dataclass_fields__ if f not in ("name", "columns", "extra")}
    extra = {k: v for k, v in raw.items() if k not in known}
    ref = raw["reference_dates"]
    return DatasetMetadata(
        name=name,
        title=raw["title"],
        description=raw["description"],
        producer=raw["producer"],
        sources=list(raw["sources"]),
        reference_dates=[str(r) for r in (ref if isinstance(ref, list) else [ref])],
        licence=raw["licence"],
        credit=raw["credit"],
        processed=bool(raw.get("processed", True)),
        columns=columns,
        denominators=list(raw["denominators"]),
        caveats=list(raw["caveats"]),
        extra=extra,
    )


def _loader(name: str) -> Callable[..., Any]:
    module, func = _LOADERS[_check_name(name)].split(":")
    return getattr(importlib.import_module(module), func)


def load(name: str, **kwargs: Any):
    """Load dataset *name* as a pandas DataFrame with proper dtypes.

    Municipal datasets are built on first use from the upstream files (downloaded and
    checksum-verified; see :mod:`jdxlib.sources`).

    Raises
    ------
    UnknownDatasetError
        With the list of valid names and a close match, if any.
    """
    return _loader(name)(**kwargs)
