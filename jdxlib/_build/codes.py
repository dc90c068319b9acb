"""全国地方公共団体コード: check digit and the code list (1,741 municipalities, 47 prefectures).

The check digit (JIS X 0402 / 総務省): multiply the five digits by 6, 5, 4, 3, 2, sum, take the
remainder r of the division by 11; the check digit is the last digit of 11 - r.
"""
from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import constants
from .._paths import PACKAGE_DIR
from ._common import BuildError

WEIGHTS = (6, 5, 4, 3, 2)

#: code-list type -> jdx type (中核市 comes from refdata/core_cities.csv, not from the code list)
TYPE_JA = {
    "designated_city": "指定都市",
    "city": "市",
    "special_ward": "特別区",
    "town": "町",
    "village": "村",
}
MUNICIPAL_TYPES = list(constants.MUNICIPAL_TYPES)

#: The one table of name variants (spellings and former names; :mod:`jdxlib.names` uses all rows).
VARIANTS_FILE = PACKAGE_DIR / "refdata" / "name_variants.csv"


@lru_cache(maxsize=1)
def variant_rows() -> tuple[tuple[str, str, str], ...]:
    """(variant, canonical, kind) rows of ``refdata/name_variants.csv``."""
    with open(VARIANTS_FILE, encoding="utf-8", newline="") as fh:
        return tuple((r["variant"].strip(), r["canonical"].strip(), r["kind"].strip())
                     for r in csv.DictReader(fh))


#: Spelling variants between upstream files and the code list: {variant: code-list spelling}
#: (the ``spelling`` rows of the table; a former name is not the same spelling).
NAME_VARIANTS = {v: c for v, c, kind in variant_rows() if kind == "spelling"}


def check_digit(code5: str | int) -> str:
    """The JIS X 0402 check digit (検査数字) of a 5-digit 団体コード.

    The five digits are weighted 6, 5, 4, 3, 2 and summed; the check digit is the last
    digit of ``11 - (sum mod 11)`` (so a remainder of 0 gives 1 and a remainder of 1 gives 0).
    The one implementation in jdx (:func:`jdxlib.names.check_digit` is this function).

    Parameters
    ----------
    code5 : str or int
        Five digits (an ``int`` is zero-padded: ``1100`` → ``"01100"``).

    Returns
    -------
    str
        One digit.

    Examples
    --------
    >>> check_digit("01100"), check_digit("13101"), check_digit("01000")   # 札幌市 011002 …
    ('2', '6', '6')
    >>> check_digit("13104")   # 新宿区 131041
    '1'
    """
    s = f"{code5:05d}" if isinstance(code5, int) and not isinstance(code5, bool) else str(code5)
    if not (len(s) == 5 and s.isascii() and s.isdigit()):
        raise ValueError(f"check_digit needs a 5-digit code such as '01100', got {code5!r}")
    r = sum(int(d) * w for d, w in zip(s, WEIGHTS)) % 11
    return str((11 - r) % 10)


def with_check_digit(code5: str) -> str:
    """``"01100"`` -> ``"011002"``."""
    return code5 + check_digit(code5)


def is_valid_code(code6: str) -> bool:
    """True when *code6* is six digits whose last is the check digit of the first five."""
    return (isinstance(code6, str) and len(code6) == 6 and code6.isdigit()
            and check_digit(code6[:5]) == code6[5])


def same_name(found: str, expected: str) -> bool:
    """Names equal up to the known spelling variants (檮原町 = 梼原町)."""
    return NAME_VARIANTS.get(found, found) == NAME_VARIANTS.get(expected, expected)


def read_code_list(path: str | Path) -> pd.DataFrame:
    """Every item of the code-list JSON (prefectures, municipalities, wards, 北方領土).

    Columns: code, code5, name, kana_hw (half-width katakana), prefecture, kind (the JSON's
    ``t``), parent, northern_territory.  Raises :class:`BuildError` on a malformed file or an
    invalid check digit.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        items = raw["items"]
        df = pd.DataFrame({
            "code": [i["c"] for i in items],
            "code5": [i["s"] for i in items],
            "name": [i["n"] for i in items],
            "kana_hw": [i.get("k", "") for i in items],
            "prefecture": [i["p"] for i in items],
            "kind": [i["t"] for i in items],
            "parent": [i.get("r", "") or "" for i in items],
            "northern_territory": [bool(i.get("u", False)) for i in items],
        })
    except (KeyError, TypeError, ValueError) as exc:
        raise BuildError(
            f"{path}: not a code-list JSON with items[] of c/s/n/p/t ({type(exc).__name__}: {exc})"
        ) from None
    bad = [c for c in df["code"] if not is_valid_code(c)]
    if bad:
        raise BuildError(f"{path}: {len(bad)} code(s) with an invalid check digit, e.g. {bad[:5]}")
    mismatch = df[df["code"].str[:5] != df["code5"]]
    if len(mismatch):
        raise BuildError(f"{path}: 6-digit and 5-digit codes disagree, e.g. "
                         f"{mismatch[['code', 'code5']].head(3).to_dict('records')}")
    known = set(TYPE_JA) | {"prefecture", "designated_ward"}
    unknown = sorted(set(df["kind"]) - known)
    if unknown:
        raise BuildError(f"{path}: unknown type(s) {unknown}; valid: {sorted(known)}")
    return df


def municipal_codes(code_list: pd.DataFrame) -> pd.DataFrame:
    """The 1,741 municipalities (wards and the 6 北方領土 villages removed), sorted by code."""
    m = code_list[code_list["kind"].isin(list(TYPE_JA)) & ~code_list["northern_territory"]]
    m = m.sort_values("code").reset_index(drop=True)
    if m["code"].duplicated().any():
        raise BuildError(f"duplicate municipal codes: {m.loc[m['code'].duplicated(), 'code'].tolist()}")
    return m


def prefecture_codes(code_list: pd.DataFrame) -> pd.DataFrame:
    """The 47 prefectures, sorted by code."""
    p = code_list[code_list["kind"] == "prefecture"].sort_values("code").reset_index(drop=True)
    if len(p) != 47:
        raise BuildError(f"code list has {len(p)} prefectures, expected 47")
    return p
