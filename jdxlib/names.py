"""Resolve prefecture and municipality names and codes — the one resolver of jdx.

Notebooks, reports and profiles all go through this module, so a parameter such as
``prefecture="島根県"`` or ``highlight="伊達市"`` means the same thing everywhere.

What is accepted
----------------
Prefectures (:func:`resolve_prefecture`)
    the full name (``島根県``, ``東京都``, ``北海道``); the 2-digit prefecture code as ``str`` or
    ``int`` (``"32"``, ``32``, ``"01"``, ``1``); the 5-digit code (``"32000"``); the 6-digit code
    with its check digit (``"320005"``; ``10006`` for ``"010006"`` that lost its leading zero);
    the English name (``Shimane``, ``shimane-ken``, ``Shimane Prefecture``), when the
    ``prefectures`` dataset has ``name_en``.  A *short* name (``島根``, ``東京``, ``大阪``,
    ``京都``) is an **error** that suggests the full name: ``京都`` could be 京都府 or 京都市,
    so jdx never guesses.
Municipalities (:func:`resolve_municipality`)
    the 6-digit code (check digit verified: a wrong check digit is an error that says so); the
    5-digit code without check digit; an ``int`` that lost its leading zero (papermill turns
    ``011002`` into ``11002``; for the 12 five-digit values that are also a real 5-digit code,
    an ``int`` is an error listing both bodies and a ``str`` is read as the 5-digit code); the
    name (``札幌市``); the name with its prefecture
    (``北海道伊達市``, ``北海道 伊達市``, ``伊達市（北海道）``); the name with its 郡
    (``那須郡那珂川町``, ``栃木県那須郡那珂川町``); the reading in kana (``せたがやく``); known
    variant spellings listed in ``jdxlib/refdata/name_variants.csv`` (``檮原町`` = ``梼原町``).
    ``ヶ``/``ケ``, full-width/half-width characters and spaces do not matter.

What is an error (:class:`NameResolutionError`, a ``ValueError``)
    an ambiguous name (25 names are shared by 57 bodies: 伊達市, 府中市, 池田町 …) — the message
    lists every candidate with its prefecture and code and says how to disambiguate; an unknown
    name — the message suggests close matches (``difflib``) and the valid forms; a wrong check
    digit; a code that is not one of the 1,741 municipalities (a 行政区 of a 指定都市, for
    example, is named as such).

Master data
-----------
The ``municipalities`` and ``prefectures`` datasets (``jdxlib.load``), loaded on first use and
cached.  Tests inject small frames with :func:`_set_master`.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from ._build.codes import VARIANTS_FILE, check_digit, variant_rows  # the one check digit / variant table
from ._paths import PACKAGE_DIR

__all__ = [
    "Municipality",
    "NameResolutionError",
    "Prefecture",
    "ResolvedParameters",
    "check_digit",
    "municipalities_in",
    "normalize_code",
    "resolve_municipality",
    "resolve_prefecture",
    "validate_parameters",
]


_VALID_PREFECTURE_FORMS = (
    "正式名称 (例: 島根県, 東京都, 北海道) またはコード (例: 32, '32000', '320005') / "
    "the full name (e.g. 島根県, 東京都, 北海道) or the code (e.g. 32, '32000', '320005')"
)
_VALID_MUNICIPALITY_FORMS = (
    "団体名 (例: 札幌市, 北海道伊達市, 那須郡那珂川町) または団体コード (例: '011002', '01100') / "
    "a name (e.g. 札幌市, 北海道伊達市, 那須郡那珂川町) or a code (e.g. '011002' with check "
    "digit, '01100' without)"
)


# --------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefecture:
    """A prefecture.

    Attributes
    ----------
    code : str
        6-digit 団体コード with check digit, e.g. ``"320005"``.
    prefecture_code : str
        2-digit code, e.g. ``"32"``.
    name : str
        Full name, e.g. ``"島根県"``.
    """

    code: str
    prefecture_code: str
    name: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Municipality:
    """One of the 1,741 municipalities (市区町村; 行政区 excluded).

    Attributes
    ----------
    code : str
        6-digit 団体コード with check digit, e.g. ``"011002"``.
    code5 : str
        5-digit code without check digit, e.g. ``"01100"``.
    name : str
        Official name as in the ``municipalities`` dataset, e.g. ``"札幌市"``.
    prefecture_code, prefecture : str
        ``"01"``, ``"北海道"``.
    type : str
        指定都市, 中核市, 市, 特別区, 町 or 村.
    """

    code: str
    code5: str
    name: str
    prefecture_code: str
    prefecture: str
    type: str

    @property
    def full_name(self) -> str:
        """Prefecture and name, e.g. ``"北海道伊達市"`` — unambiguous for every body."""
        return f"{self.prefecture}{self.name}"

    def __str__(self) -> str:
        return f"{self.prefecture} {self.name} ({self.code})"


class NameResolutionError(ValueError):
    """A name or code that does not identify exactly one prefecture or municipality.

    The message (plain text, Japanese and English) names the value, says what is wrong and
    what is valid.  Attributes: ``value`` (what was passed), ``candidates`` (the
    :class:`Municipality` / :class:`Prefecture` objects an ambiguous value could mean),
    ``suggestions`` (close matches for a typo, as display strings), ``problems`` (one
    message per problem; :func:`validate_parameters` gathers several) and ``kind``: one of
    ``"missing"``, ``"short_name"``, ``"unknown"``, ``"ambiguous"``, ``"check_digit"``,
    ``"not_a_code"``, ``"wrong_level"`` (a prefecture where a municipality is expected, a ward,
    …), ``"outside"`` (not in the requested prefecture or 郡) or ``"parameters"``.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unknown",
        value: Any = None,
        candidates: Iterable[Any] = (),
        suggestions: Iterable[str] = (),
        problems: Iterable[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value
        self.candidates = list(candidates)
        self.suggestions = list(suggestions)
        self.problems = list(problems) if problems is not None else [message]


@dataclass(frozen=True)
class ResolvedParameters:
    """The resolved notebook parameters returned by :func:`validate_parameters`.

    Each attribute is None when the parameter was not given (None or an empty string).
    """

    prefecture: Prefecture | None = None
    highlight: Municipality | None = None
    municipality: Municipality | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The resolved values as plain dicts (None where not given)."""
        out: dict[str, Any] = {}
        for key in ("prefecture", "highlight", "municipality"):
            obj = getattr(self, key)
            out[key] = asdict(obj) if obj is not None else None
        out["notes"] = list(self.notes)
        return out


# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------

def _digits(value: Any) -> tuple[str, bool] | None:
    """(digit string, came_from_int) for code-like input, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (str(value), True) if value >= 0 else None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and value >= 0:
            return str(int(value)), True
        return None
    if isinstance(value, str):
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
        if s.isascii() and s.isdigit():
            return s, False
    return None


def _code_readings(digits: str, from_int: bool) -> tuple[list[str], str | None]:
    """All 6-digit codes a digit string can mean, and an error if the form is wrong.

    A 6-digit string must carry a valid check digit.  A 5-digit string starting with ``0``
    is a 5-digit code.  A 5-digit string or int *not* starting with 0 is either a 5-digit
    code (prefectures 10–47) or a 6-digit code of prefectures 01–09 that lost its leading
    zero: both readings are returned (the second only when its check digit is valid).
    A 4-digit int is a 5-digit code that lost its leading zero (``1100`` = ``01100``).
    """
    n = len(digits)
    if n == 6:
        expected = check_digit(digits[:5])
        if digits[5] != expected:
            return [], (
                f"'{digits}' の検査数字 (6桁目) が正しくありません: {digits[:5]} の検査数字は "
                f"{expected} なので、正しいコードは '{digits[:5]}{expected}' です / wrong check digit "
                f"in '{digits}': the check digit of {digits[:5]} is {expected}, so the code would "
                f"be '{digits[:5]}{expected}'"
            )
        return [digits], None
    if n == 5:
        readings = [digits + check_digit(digits)]
        if digits[0] != "0":
            lost = "0" + digits
            if lost[5] == check_digit(lost[:5]):
                readings.append(lost)
        return readings, None
    if n == 4:
        padded = "0" + digits
        return [padded + check_digit(padded)], None
    return [], (
        f"'{digits}' は団体コードの形式ではありません (5桁または検査数字付き6桁) / '{digits}' is not "
        "a 団体コード: use 5 digits, or 6 digits with the check digit"
    )


def normalize_code(value: str | int, known: Iterable[str] | None = None) -> str:
    """Return the 6-digit 団体コード (with check digit) for a code given in any usual form.

    Parameters
    ----------
    value : str or int
        ``"011002"`` (check digit verified), ``"01100"`` (check digit added), ``11002`` or
        ``"11002"`` (a 6-digit code that lost its leading zero), ``1100`` (a 5-digit code that
        lost it), full-width digits.  Five digits not starting with 0 have two readings (a
        5-digit code of prefectures 10–47, or a 6-digit code of prefectures 01–09 without its
        zero); only the readings with a valid check digit that exist in *known* count.  When
        both exist (12 pairs, e.g. 12203 = 千葉県市川市 and 012203 = 北海道士別市) a **string** is
        taken literally as the 5-digit code and an **int** is an error (papermill turns
        ``"012203"`` into ``12203``, so an int cannot tell them apart).
    known : iterable of str, optional
        The valid 6-digit codes, used only when a 5-digit value without leading zero has two
        readings (``"15504"`` is 新潟県 15504 *and* 北海道 015504 without its zero).  Default:
        the codes of the ``municipalities`` and ``prefectures`` datasets (loaded on demand).

    Returns
    -------
    str
        Six digits.

    Raises
    ------
    NameResolutionError
        A wrong check digit, a value that is not a code, or a value with two valid readings.

    Examples
    --------
    >>> normalize_code("01100")
    '011002'
    >>> normalize_code("011002")
    '011002'
    """
    parsed = _digits(value)
    if parsed is None:
        raise NameResolutionError(
            f"{value!r} は団体コードではありません / {value!r} is not a 団体コード", value=value, kind="not_a_code"
        )
    readings, error = _code_readings(*parsed)
    if error:
        raise NameResolutionError(error, value=value, kind="check_digit" if "検査数字" in error else "not_a_code")
    if len(readings) == 1:
        return readings[0]
    if known is None:
        idx = _index()
        known_set = set(idx.muni_by_code) | set(idx.pref_by_code)
    else:
        known_set = set(known)
    hits = [r for r in readings if r in known_set]
    if len(hits) == 2 and not parsed[1]:
        return hits[0]  # a 5-character string is taken literally as a 5-digit code
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NameResolutionError(
            f"{value!r} に該当する団体コードがありません ({' / '.join(readings)} のどちらでもありません) / "
            f"no 団体コード matches {value!r} (neither {' nor '.join(readings)})",
            value=value, kind="unknown",
        )
    raise NameResolutionError(_two_readings_message(value, hits), value=value, kind="ambiguous")


def _two_readings_message(value: Any, readings: list[str]) -> str:
    a, b = readings[0], readings[1]
    return (
        f"{value!r} は2通りに読めます: 5桁コード {a[:5]} ({a}) と、先頭の0が落ちた6桁コード {b}。"
        f"文字列で '{a}' または '{b}' と指定してください / {value!r} has two readings: the 5-digit "
        f"code {a[:5]} ({a}) and the 6-digit code {b} without its leading zero; pass the code as a "
        f"string, '{a}' or '{b}'"
    )


# --------------------------------------------------------------------------------------------
# Master data and the lookup index
# --------------------------------------------------------------------------------------------

_injected: tuple[Any, Any] | None = None


def _set_master(municipalities: Any = None, prefectures: Any = None) -> None:
    """Use these frames as master data (tests); ``_set_master()`` restores lazy loading.

    Parameters
    ----------
    municipalities : pandas.DataFrame
        Columns ``code``, ``code5``, ``name``, ``prefecture_code``, ``prefecture``, ``type``;
        optionally ``district`` and ``kana``.
    prefectures : pandas.DataFrame
        Columns ``code``, ``prefecture_code``, ``name``; optionally ``name_en``.
    """
    global _injected
    if municipalities is None and prefectures is None:
        _injected = None
    else:
        if municipalities is None or prefectures is None:
            raise ValueError("_set_master needs both frames (or neither, to reset)")
        _injected = (municipalities, prefectures)
    _index.cache_clear()


def _master() -> tuple[Any, Any]:
    if _injected is not None:
        return _injected
    from . import _datasets  # not the package root, which sits above the layers

    return _datasets.load("municipalities"), _datasets.load("prefectures")


_KATA_TO_HIRA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}


def _key(text: str) -> str:
    """Matching key: NFKC, no whitespace, ヶ/ケ unified (also ヵ/カ)."""
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"\s+", "", s)
    return s.replace("ヶ", "ケ").replace("ヵ", "カ")


def _kana_key(text: str) -> str | None:
    """Hiragana key if *text* is all kana (katakana converted), else None."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    s = s.replace("ヶ", "ケ").replace("ヵ", "カ")
    hira = s.translate(_KATA_TO_HIRA)
    if hira and all("ぁ" <= c <= "ゖ" or c == "ー" for c in hira):
        return hira
    return None


def _short_prefecture_name(name: str) -> str | None:
    """東京都 → 東京, 島根県 → 島根; 北海道 has no short form here."""
    if name.endswith(("都", "府", "県")) and len(name) >= 2:
        return name[:-1]
    return None


def _en_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = re.sub(r"\s*(prefecture|metropolis|pref\.?)$", "", s)
    s = re.sub(r"[-\s]+(ken|fu|to|do)$", "", s)
    return re.sub(r"[\s\-_]", "", s)


class _Index:
    """Lookup tables built once per master."""

    def __init__(self, munis: Any, prefs: Any) -> None:
        self.prefectures: list[Prefecture] = []
        self.pref_by_code: dict[str, Prefecture] = {}
        self.pref_by_pcode: dict[str, Prefecture] = {}
        self.pref_by_name: dict[str, Prefecture] = {}
        self.pref_by_short: dict[str, Prefecture] = {}
        self.pref_by_en: dict[str, Prefecture] = {}
        for row in prefs.sort_values("prefecture_code").to_dict("records"):
            p = Prefecture(str(row["code"]), str(row["prefecture_code"]), str(row["name"]))
            self.prefectures.append(p)
            self.pref_by_code[p.code] = p
            self.pref_by_pcode[p.prefecture_code] = p
            self.pref_by_name[_key(p.name)] = p
            short = _short_prefecture_name(p.name)
            if short:
                self.pref_by_short[_key(short)] = p
            en = row.get("name_en")
            if isinstance(en, str) and en.strip():
                self.pref_by_en[_en_key(en)] = p

        self.municipalities: list[Municipality] = []
        self.muni_by_code: dict[str, Municipality] = {}
        self.by_name: dict[str, list[Municipality]] = {}
        self.by_kana: dict[str, list[Municipality]] = {}
        self.district: dict[str, str] = {}
        records = munis.sort_values("code").to_dict("records")
        for row in records:
            code = str(row["code"])
            m = Municipality(
                code=code,
                code5=str(row["code5"]) if isinstance(row.get("code5"), str) else code[:5],
                name=str(row["name"]),
                prefecture_code=str(row["prefecture_code"]),
                prefecture=str(row["prefecture"]),
                type=str(row["type"]),
            )
            self.municipalities.append(m)
            self.muni_by_code[code] = m
            self.by_name.setdefault(_key(m.name), []).append(m)
            kana = row.get("kana")
            if isinstance(kana, str) and kana:
                k = _kana_key(kana)
                if k:
                    self.by_kana.setdefault(k, []).append(m)
            district = row.get("district")
            self.district[code] = _key(district) if isinstance(district, str) else ""
        # variant spellings, in whichever direction the master lacks
        self.variant_of: dict[str, str] = {}
        for variant, canonical in _variant_pairs():
            kv, kc = _key(variant), _key(canonical)
            if kc in self.by_name and kv not in self.by_name:
                self.variant_of[kv] = kc
            elif kv in self.by_name and kc not in self.by_name:
                self.variant_of[kc] = kv
        self.designated = [m for m in self.municipalities if m.type == "指定都市"]


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(*_master())


def _variant_pairs() -> tuple[tuple[str, str], ...]:
    """(variant, canonical) pairs from ``refdata/name_variants.csv``."""
    return tuple((v, c) for v, c, _ in variant_rows())


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


# --------------------------------------------------------------------------------------------
# Prefectures
# --------------------------------------------------------------------------------------------


def resolve_prefecture(value: Any) -> Prefecture:
    """Resolve a prefecture name or code.

    Parameters
    ----------
    value : str, int or Prefecture
        Full name (``"島根県"``), 2-digit code (``"32"``, ``32``), 5-digit code (``"32000"``),
        6-digit code (``"320005"``, or ``10006`` for ``"010006"`` without its leading zero),
        or English name (``"Shimane"``).

    Returns
    -------
    Prefecture

    Raises
    ------
    NameResolutionError
        For a short name (``"島根"`` → suggests ``"島根県"``), an unknown name (with close
        matches) or an invalid code.
    """
    if isinstance(value, Prefecture):
        return value
    if _is_missing(value):
        raise NameResolutionError(
            f"都道府県が指定されていません / no prefecture given. 有効な形式 / valid: "
            f"{_VALID_PREFECTURE_FORMS}",
            value=value, kind="missing",
        )
    idx = _index()
    parsed = _digits(value)
    if parsed is not None:
        return _prefecture_from_digits(value, *parsed, idx)
    key = _key(value)
    if key in idx.pref_by_name:
        return idx.pref_by_name[key]
    if key in idx.pref_by_short:
        full = idx.pref_by_short[key]
        raise NameResolutionError(
            f"'{value}' は都道府県名として不完全です。'{full.name}' のことですか？ 正式名称 "
            f"('{full.name}') またはコード ({full.prefecture_code}) で指定してください / '{value}' is "
            f"not a full prefecture name: did you mean '{full.name}'? Use the full name or the "
            f"code ({full.prefecture_code}).",
            value=value, kind="short_name",
            candidates=[full],
            suggestions=[full.name],
        )
    en = _en_key(value)
    if en and en in idx.pref_by_en:
        return idx.pref_by_en[en]
    # a municipality given as a prefecture?
    hint = ""
    if key in idx.by_name:
        places = ", ".join(str(m) for m in idx.by_name[key][:3])
        hint = (
            f" '{value}' は市区町村です ({places})。都道府県を指定してください / '{value}' is a "
            "municipality, not a prefecture."
        )
    names = [p.name for p in idx.prefectures]
    pool = {_key(n): n for n in names}
    pool.update({k: p.name for k, p in idx.pref_by_short.items()})
    close = difflib.get_close_matches(key, list(pool), n=3, cutoff=0.5)
    suggestions = list(dict.fromkeys(pool[c] for c in close))
    did_you_mean = (
        f" もしかして / did you mean: {', '.join(suggestions)}?" if suggestions else ""
    )
    raise NameResolutionError(
        f"'{value}' という都道府県はありません / unknown prefecture '{value}'.{hint}{did_you_mean} "
        f"有効な形式 / valid: {_VALID_PREFECTURE_FORMS}",
        value=value, kind="unknown",
        suggestions=suggestions,
    )


def _prefecture_from_digits(value: Any, digits: str, from_int: bool, idx: _Index) -> Prefecture:
    def unknown(detail: str) -> NameResolutionError:
        return NameResolutionError(
            f"{value!r} は都道府県コードではありません ({detail}) / {value!r} is not a prefecture "
            f"code ({detail}). 有効な形式 / valid: {_VALID_PREFECTURE_FORMS}",
            value=value, kind="unknown",
        )

    if len(digits) <= 2:
        pcode = digits.zfill(2)
        if pcode in idx.pref_by_pcode:
            return idx.pref_by_pcode[pcode]
        raise unknown("01〜47 / 01 to 47")
    readings, error = _code_readings(digits, from_int)
    if error:
        raise NameResolutionError(error, value=value, kind="check_digit" if "検査数字" in error else "not_a_code")
    hits = [idx.pref_by_code[r] for r in readings if r in idx.pref_by_code]
    if len(hits) == 1:
        return hits[0]
    munis = [idx.muni_by_code[r] for r in readings if r in idx.muni_by_code]
    if munis:
        raise unknown(f"市区町村コードです: {munis[0]} / a municipality code: {munis[0]}")
    raise unknown("都道府県コードは 01〜47、または '01000' や '010006' の形 / codes are 01–47, "
                  "'01000' or '010006'")


# --------------------------------------------------------------------------------------------
# Municipalities
# --------------------------------------------------------------------------------------------


def _fmt(ms: Iterable[Municipality]) -> str:
    return "\n".join(f"  - {m.prefecture} {m.name} ({m.code}, {m.type})" for m in ms)


def resolve_municipality(value: Any, prefecture: Any = None) -> Municipality:
    """Resolve a municipality name or code to one of the 1,741 municipalities.

    Parameters
    ----------
    value : str, int or Municipality
        A code (``"011002"``, ``"01100"``, ``11002``), a name (``"札幌市"``), a name with its
        prefecture (``"北海道伊達市"``, ``"北海道 伊達市"``, ``"伊達市（北海道）"``) and/or 郡
        (``"那須郡那珂川町"``), a kana reading (``"さっぽろし"``) or a known variant spelling
        (``"檮原町"``).
    prefecture : str, int or Prefecture, optional
        Restrict the search to this prefecture (resolved with :func:`resolve_prefecture`).

    Returns
    -------
    Municipality

    Raises
    ------
    NameResolutionError
        Ambiguous names (every candidate listed with prefecture and code), unknown names (close
        matches suggested), wrong check digits, codes that are not municipalities, and bodies
        outside *prefecture*.
    """
    pref = resolve_prefecture(prefecture) if not _is_missing(prefecture) else None
    if isinstance(value, Municipality):
        found = [value]
    else:
        if _is_missing(value):
            raise NameResolutionError(
                f"市区町村が指定されていません / no municipality given. 有効な形式 / valid: "
                f"{_VALID_MUNICIPALITY_FORMS}",
                value=value, kind="missing",
            )
        idx = _index()
        parsed = _digits(value)
        if parsed is not None:
            found = [_municipality_from_digits(value, *parsed, idx)]
        else:
            found = _find_by_name(value, idx, pref)
    return _select(value, found, pref)


def _select(value: Any, found: list[Municipality], pref: Prefecture | None) -> Municipality:
    if pref is not None:
        inside = [m for m in found if m.prefecture_code == pref.prefecture_code]
        if not inside:
            raise NameResolutionError(
                f"'{value}' は {pref.name} にはありません。該当する団体 / '{value}' is not in "
                f"{pref.name}; it is:\n{_fmt(found)}",
                value=value, kind="outside",
                candidates=found,
            )
        found = inside
    if len(found) == 1:
        return found[0]
    example = found[0]
    raise NameResolutionError(
        f"'{value}' は {len(found)} 団体に該当します / '{value}' matches {len(found)} "
        f"municipalities:\n{_fmt(found)}\n都道府県名を付けるか (例: '{example.full_name}')、"
        f"団体コード (例: '{example.code}') で指定してください / add the prefecture (e.g. "
        f"'{example.full_name}') or use the code (e.g. '{example.code}').",
        value=value, kind="ambiguous",
        candidates=found,
    )


def _municipality_from_digits(value: Any, digits: str, from_int: bool, idx: _Index) -> Municipality:
    readings, error = _code_readings(digits, from_int)
    if error:
        if len(digits) == 6:
            fixed = digits[:5] + check_digit(digits[:5])
            if fixed in idx.muni_by_code:
                error += f" ({fixed} = {idx.muni_by_code[fixed].prefecture} {idx.muni_by_code[fixed].name})"
        raise NameResolutionError(error, value=value, kind="check_digit" if "検査数字" in error else "not_a_code")
    hits = [idx.muni_by_code[r] for r in readings if r in idx.muni_by_code]
    if len(hits) == 2 and not from_int:
        return hits[0]  # a 5-character string is taken literally as a 5-digit code
    if len(hits) == 1:
        return hits[0]
    if len(hits) == 2:
        raise NameResolutionError(
            _two_readings_message(value, [h.code for h in hits])
            + "\n" + _fmt(hits),
            value=value, kind="ambiguous",
            candidates=hits,
        )
    # not a municipality: say what it is, if we can
    for r in readings:
        if r in idx.pref_by_code:
            p = idx.pref_by_code[r]
            raise NameResolutionError(
                f"{value!r} は都道府県 ({p}) のコードです。市区町村を指定してください / {value!r} is the "
                f"code of a prefecture ({p}), not of a municipality.",
                value=value, kind="wrong_level",
            )
    for r in readings:
        parent = _designated_parent(r, idx)
        if parent is not None:
            raise NameResolutionError(
                f"{value!r} は 1,741 市区町村のコードではありません。{parent.name} の行政区のコードと"
                f"思われます: 行政区は集計単位ではないので '{parent.name}' ({parent.code}) を指定して"
                f"ください / {value!r} is not one of the 1,741 municipalities; it looks like a ward "
                f"of {parent.name}: wards are not reporting units, use '{parent.code}'.",
                value=value, kind="wrong_level",
                candidates=[parent],
            )
    raise NameResolutionError(
        f"{value!r} に該当する市区町村コードがありません / no municipality has the code {value!r} "
        f"(読み方 / read as: {', '.join(readings)}). 有効な形式 / valid: {_VALID_MUNICIPALITY_FORMS}",
        value=value, kind="unknown",
    )


def _designated_parent(code6: str, idx: _Index) -> Municipality | None:
    """The 指定都市 whose ward-code block contains *code6*, if any (wards: XX1YZ after XX1Y0)."""
    code5 = code6[:5]
    if code5[2] != "1" or code5[:2] == "13":
        return None
    best = None
    for m in idx.designated:
        if m.code5[:2] == code5[:2] and m.code5 < code5:
            if best is None or m.code5 > best.code5:
                best = m
    if best is not None and int(code5) - int(best.code5) < 30:
        return best
    return None


_BRACKETED = re.compile(r"^(?P<name>.+?)[（(](?P<pref>.+?)[)）]$")
_SEPARATORS = " \u3000/／・,、"


def _split_prefecture(key: str, idx: _Index) -> tuple[Prefecture | None, str]:
    """Strip a leading full prefecture name (or a trailing bracketed one)."""
    m = _BRACKETED.match(key)
    if m and _key(m.group("pref")) in idx.pref_by_name:
        return idx.pref_by_name[_key(m.group("pref"))], m.group("name")
    for pkey, p in idx.pref_by_name.items():
        if key.startswith(pkey) and len(key) > len(pkey):
            return p, key[len(pkey):].lstrip(_SEPARATORS)
    return None, key


def _lookup(key: str, idx: _Index) -> tuple[list[Municipality], NameResolutionError | None]:
    """Exact name / variant / 郡+name / kana lookup of a key without prefecture.

    Returns the matches and, when a 郡 was given but does not hold the named body, an error
    to raise if nothing else matches.
    """
    if key in idx.by_name:
        return list(idx.by_name[key]), None
    if key in idx.variant_of:
        return list(idx.by_name[idx.variant_of[key]]), None
    pending = None
    # 郡名 + 町村名 (exact names first, so 郡山市 and 大和郡山市 never get here)
    for i, ch in enumerate(key):
        if ch == "郡" and 0 < i < len(key) - 1:
            district, rest = key[: i + 1], key[i + 1:].lstrip(_SEPARATORS)
            rest = idx.variant_of.get(rest, rest)
            named = idx.by_name.get(rest, [])
            inside = [m for m in named if idx.district.get(m.code) == district]
            if inside:
                return inside, None
            if named and pending is None:
                pending = NameResolutionError(
                    f"'{key}': {named[0].name} は {district} にはありません / {named[0].name} is not "
                    f"in {district}; 該当する団体 / it is:\n{_fmt(named)}",
                    value=key, kind="outside",
                    candidates=named,
                )
    kana = _kana_key(key)
    if kana and kana in idx.by_kana:
        return list(idx.by_kana[kana]), None
    return [], pending


def _find_by_name(value: Any, idx: _Index, restrict: Prefecture | None) -> list[Municipality]:
    if not isinstance(value, str):
        raise NameResolutionError(
            f"{value!r} は団体名でもコードでもありません / {value!r} is neither a name nor a code. "
            f"有効な形式 / valid: {_VALID_MUNICIPALITY_FORMS}",
            value=value, kind="unknown",
        )
    key = _key(value)
    found, pending = _lookup(key, idx)
    if found:
        return found
    pref, rest = _split_prefecture(key, idx)
    if pref is not None and rest:
        named, pending_rest = _lookup(rest, idx)
        pending = pending_rest or pending
        if named:
            inside = [m for m in named if m.prefecture_code == pref.prefecture_code]
            if inside:
                return inside
            raise NameResolutionError(
                f"'{value}': {rest} は {pref.name} にはありません / {rest} is not in {pref.name}; "
                f"該当する団体 / it is:\n{_fmt(named)}",
                value=value, kind="outside",
                candidates=named,
            )
        restrict = restrict or pref
        key = rest
    if pending is not None:
        pending.value = value
        raise pending
    # a prefecture passed as a municipality
    if key in idx.pref_by_name:
        raise NameResolutionError(
            f"'{value}' は都道府県です。市区町村を指定してください (都道府県はパラメータ prefecture で) / "
            f"'{value}' is a prefecture, not a municipality (use the prefecture parameter).",
            value=value, kind="wrong_level",
        )
    # a ward of a designated city (札幌市中央区)
    for city in idx.designated:
        ck = _key(city.name)
        if key.startswith(ck) and key.endswith("区") and len(key) > len(ck) + 1:
            raise NameResolutionError(
                f"'{value}' は {city.name} の行政区です。行政区は集計単位ではないので '{city.name}' "
                f"({city.code}) を指定してください / '{value}' is a ward of {city.name}; wards are "
                f"not reporting units: use '{city.name}' ({city.code}).",
                value=value, kind="wrong_level",
                candidates=[city],
            )
    raise _unknown_municipality(value, key, idx, restrict)


def _unknown_municipality(
    value: Any, key: str, idx: _Index, restrict: Prefecture | None
) -> NameResolutionError:
    pool: dict[str, list[Municipality]] = {}
    for k, ms in idx.by_name.items():
        ms = [m for m in ms if restrict is None or m.prefecture_code == restrict.prefecture_code]
        if ms:
            pool[k] = ms
    close = difflib.get_close_matches(key, list(pool), n=5, cutoff=0.6)
    # also a name with 郡 or prefecture glued on: try the tail of the key
    if not close and len(key) > 2:
        close = [k for k in pool if key.endswith(k) and len(k) >= 2][:5]
    suggestions = [m for c in close for m in pool[c]]
    where = f" ({restrict.name} 内 / in {restrict.name})" if restrict is not None else ""
    text = f"'{value}' という市区町村はありません{where} / unknown municipality '{value}'{where}."
    if suggestions:
        text += f" もしかして / did you mean:\n{_fmt(suggestions)}\n"
    text += f" 有効な形式 / valid: {_VALID_MUNICIPALITY_FORMS}"
    return NameResolutionError(
        text,
        value=value, kind="unknown",
        candidates=suggestions,
        suggestions=[m.full_name for m in suggestions],
    )


def municipalities_in(prefecture: Any) -> list[Municipality]:
    """The municipalities of a prefecture, in code order.

    Parameters
    ----------
    prefecture : str, int or Prefecture
        Anything :func:`resolve_prefecture` accepts.

    Returns
    -------
    list of Municipality
    """
    pref = resolve_prefecture(prefecture)
    return [m for m in _index().municipalities if m.prefecture_code == pref.prefecture_code]


# --------------------------------------------------------------------------------------------
# Notebook parameters
# --------------------------------------------------------------------------------------------


def validate_parameters(
    prefecture: Any = None, highlight: Any = None, municipality: Any = None
) -> ResolvedParameters:
    """Resolve the notebook parameters and report every problem in one error.

    Parameters
    ----------
    prefecture : str or int, optional
        None or ``""`` means the whole country.
    highlight : str or int, optional
        A municipality to mark on every chart, resolved **nationally** (it need not lie in
        *prefecture*).  Only when the name is ambiguous nationally and exactly one candidate
        lies in *prefecture* is that candidate taken (a note says so).
    municipality : str or int, optional
        The subject of a profile.  When *prefecture* is also given, it must lie there.

    Returns
    -------
    ResolvedParameters
        ``.prefecture``, ``.highlight``, ``.municipality`` (None when not given), ``.notes``.

    Raises
    ------
    NameResolutionError
        One error whose message lists every problem (numbered, with the parameter name);
        ``.problems`` holds them separately.
    """
    problems: list[str] = []
    notes: list[str] = []
    pref = high = muni = None
    if not _is_missing(prefecture):
        try:
            pref = resolve_prefecture(prefecture)
        except NameResolutionError as exc:
            problems.append(f"prefecture={prefecture!r}: {exc}")
    if not _is_missing(highlight):
        try:
            high = resolve_municipality(highlight)
        except NameResolutionError as exc:
            inside = [
                c for c in exc.candidates
                if isinstance(c, Municipality) and pref is not None
                and c.prefecture_code == pref.prefecture_code
            ]
            ambiguous = exc.kind == "ambiguous"
            if ambiguous and len(inside) == 1:
                high = inside[0]
                notes.append(
                    f"highlight={highlight!r} は全国で {len(exc.candidates)} 団体に該当するため、"
                    f"{pref.name} の {high.name} ({high.code}) としました / highlight "
                    f"{highlight!r} is ambiguous nationally; took the one in {pref.name}."
                )
            else:
                problems.append(f"highlight={highlight!r}: {exc}")
    if not _is_missing(municipality):
        try:
            muni = resolve_municipality(municipality, prefecture=pref)
        except NameResolutionError as exc:
            problems.append(f"municipality={municipality!r}: {exc}")
    if problems:
        head = (
            f"パラメータに {len(problems)} 件の問題があります / {len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''} in the parameters:"
        )
        body = "\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))
        raise NameResolutionError(f"{head}\n{body}", problems=problems, kind="parameters")
    return ResolvedParameters(prefecture=pref, highlight=high, municipality=muni, notes=tuple(notes))
