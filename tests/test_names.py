"""Name and code resolution (jdxlib.names): synthetic master first, then the real datasets."""
from __future__ import annotations

import pandas as pd
import pytest

from jdxlib import names as N
from jdxlib.names import NameResolutionError

# --------------------------------------------------------------------------------------------
# A small, clearly fictional master: prefectures 甲県 (91), 乙府 (92), 丙都 (93).
# --------------------------------------------------------------------------------------------


def _code(code5: str) -> str:
    return code5 + N.check_digit(code5)


FAKE_PREFS = pd.DataFrame(
    {
        "code": [_code("91000"), _code("92000"), _code("93000")],
        "prefecture_code": ["91", "92", "93"],
        "name": ["甲県", "乙府", "丙都"],
        "name_en": ["Kou", "Otsu", "Hei"],
    }
)

_FAKE_ROWS = [
    # code5, name, pref code, pref, type, district, kana
    ("91100", "架空市", "91", "甲県", "指定都市", "", "かくうし"),
    ("91201", "同名市", "91", "甲県", "市", "", "どうめいし"),
    ("91301", "試験町", "91", "甲県", "町", "見本郡", "しけんちょう"),
    ("91302", "梼原町", "91", "甲県", "町", "見本郡", "ゆすはらちょう"),
    ("92201", "同名市", "92", "乙府", "市", "", "どうめいし"),
    ("92202", "見本ケ丘市", "92", "乙府", "市", "", "みほんがおかし"),
    ("93101", "模擬区", "93", "丙都", "特別区", "", "もぎく"),
    ("93301", "試験町", "93", "丙都", "町", "仮郡", "しけんまち"),
]
FAKE_MUNIS = pd.DataFrame(
    [
        {
            "code": _code(c5), "code5": c5, "name": name, "prefecture_code": pc,
            "prefecture": pref, "type": t, "district": d, "kana": k,
        }
        for c5, name, pc, pref, t, d, k in _FAKE_ROWS
    ]
)


@pytest.fixture
def fake():
    N._set_master(FAKE_MUNIS, FAKE_PREFS)
    yield
    N._set_master()


def test_check_digit_known_codes():
    # JIS X 0402 check digits of real codes: 札幌市 011002, 新宿区 131041, 苫小牧市 012131
    # (remainder 0 -> 1), 北海道 010006, 島根県 320005.
    assert N.check_digit("01100") == "2"
    assert N.check_digit("13104") == "1"
    assert N.check_digit("01213") == "1"
    assert N.check_digit("01000") == "6"
    assert N.check_digit(32000) == "5"
    with pytest.raises(ValueError):
        N.check_digit("0110")


def test_normalize_code_forms(fake):
    code = _code("91201")
    assert N.normalize_code("91201") == code
    assert N.normalize_code(code) == code
    assert N.normalize_code(int(code)) == code
    assert N.normalize_code("９１２０１") == code  # full-width digits
    with pytest.raises(NameResolutionError, match="検査数字") as exc:
        N.normalize_code(code[:5] + str((int(code[5]) + 1) % 10))
    assert exc.value.kind == "check_digit"


def test_resolve_by_name_code_and_forms(fake):
    m = N.resolve_municipality("架空市")
    assert (m.code, m.code5, m.prefecture, m.type) == (_code("91100"), "91100", "甲県", "指定都市")
    assert N.resolve_municipality(m.code) == m
    assert N.resolve_municipality(m.code5) == m
    assert N.resolve_municipality(int(m.code)) == m
    assert N.resolve_municipality("かくうし") == m
    assert N.resolve_municipality(" 架空市\u3000") == m
    assert N.resolve_municipality("見本ヶ丘市").name == "見本ケ丘市"  # ヶ/ケ do not matter


def test_ambiguous_name_lists_every_candidate(fake):
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("同名市")
    err = exc.value
    assert err.kind == "ambiguous"
    assert {c.prefecture for c in err.candidates} == {"甲県", "乙府"}
    msg = str(err)
    for c in err.candidates:
        assert c.code in msg and c.prefecture in msg
    assert "甲県同名市" in msg  # how to disambiguate


def test_name_with_prefecture_district_or_restriction(fake):
    assert N.resolve_municipality("乙府同名市").prefecture == "乙府"
    assert N.resolve_municipality("乙府 同名市").prefecture == "乙府"
    assert N.resolve_municipality("同名市（甲県）").prefecture == "甲県"
    assert N.resolve_municipality("同名市", prefecture="乙府").prefecture == "乙府"
    assert N.resolve_municipality("見本郡試験町").prefecture == "甲県"
    assert N.resolve_municipality("丙都仮郡試験町").prefecture == "丙都"
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("架空市", prefecture="乙府")
    assert exc.value.kind == "outside" and "乙府" in str(exc.value)
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("違郡試験町")
    assert exc.value.kind == "outside"


def test_variant_spelling_from_table(fake):
    # the fictional master holds 梼原町; the variants table maps 檮原町 to it
    assert N.resolve_municipality("檮原町") == N.resolve_municipality("梼原町")


def test_typo_suggests_close_match(fake):
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("架空巿")  # 巿 (U+5DFF) instead of 市
    err = exc.value
    assert err.kind == "unknown"
    assert "甲県架空市" in err.suggestions
    assert "did you mean" in str(err)


def test_wrong_check_digit_is_reported(fake):
    code = _code("91100")
    wrong = code[:5] + str((int(code[5]) + 3) % 10)
    with pytest.raises(NameResolutionError, match="検査数字") as exc:
        N.resolve_municipality(wrong)
    assert exc.value.kind == "check_digit"
    assert code in str(exc.value)


def test_prefecture_forms_and_short_name(fake):
    p = N.resolve_prefecture("乙府")
    assert p.prefecture_code == "92"
    for form in ("92", 92, p.code, int(p.code), "92000", "Otsu", "otsu-fu"):
        assert N.resolve_prefecture(form) == p
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_prefecture("乙")
    assert exc.value.kind == "short_name"
    assert "'乙府' のことですか" in str(exc.value)
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_prefecture("乙県")
    assert exc.value.kind == "unknown"
    with pytest.raises(NameResolutionError):
        N.resolve_prefecture("99")


def test_municipalities_in(fake):
    assert [m.name for m in N.municipalities_in("甲県")] == ["架空市", "同名市", "試験町", "梼原町"]


def test_validate_parameters_collects_all_problems(fake):
    with pytest.raises(NameResolutionError) as exc:
        N.validate_parameters(prefecture="乙", highlight="同名市")
    err = exc.value
    assert err.kind == "parameters"
    assert len(err.problems) == 2
    msg = str(err)
    assert "2 件" in msg and "prefecture='乙'" in msg and "highlight='同名市'" in msg
    ok = N.validate_parameters(prefecture=None, highlight="", municipality=None)
    assert ok.prefecture is ok.highlight is ok.municipality is None
    # an ambiguous highlight is settled by the chosen prefecture, with a note
    res = N.validate_parameters(prefecture="乙府", highlight="同名市")
    assert res.highlight.prefecture == "乙府" and res.notes


# --------------------------------------------------------------------------------------------
# The real datasets (need the mirror)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def real(real_data):
    N._set_master()
    yield
    N._set_master()


def test_real_date_is_ambiguous_between_hokkaido_and_fukushima(real):
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("伊達市")
    prefs = {c.prefecture for c in exc.value.candidates}
    assert prefs == {"北海道", "福島県"}
    for c in exc.value.candidates:
        assert c.code in str(exc.value)
    assert N.resolve_municipality("北海道伊達市").prefecture == "北海道"
    assert N.resolve_municipality("北海道 伊達市").prefecture == "北海道"


@pytest.mark.parametrize("value", ["011002", "11002", 11002, "01100", "札幌市"])
def test_real_sapporo_codes(real, value):
    assert N.resolve_municipality(value).name == "札幌市"


def test_real_short_prefecture_names(real):
    with pytest.raises(NameResolutionError, match="'東京都' のことですか"):
        N.resolve_prefecture("東京")
    with pytest.raises(NameResolutionError, match="'島根県'"):
        N.resolve_prefecture("島根")
    assert N.resolve_prefecture("島根県").code == "320005"
    assert N.resolve_prefecture(32).name == "島根県"


def test_real_wrong_check_digit(real):
    with pytest.raises(NameResolutionError, match="検査数字") as exc:
        N.resolve_municipality("011003")
    assert "011002" in str(exc.value)


def test_real_yusuhara_variants(real):
    a = N.resolve_municipality("梼原町")
    b = N.resolve_municipality("檮原町")
    assert a == b and a.code == "394050"


def test_real_district_and_typo(real):
    assert N.resolve_municipality("那須郡那珂川町").code == "094111"
    with pytest.raises(NameResolutionError) as exc:
        N.resolve_municipality("世田ヶ谷区")
    assert "東京都世田谷区" in exc.value.suggestions


def test_real_every_body_resolves_by_code_and_full_name(real):
    import jdxlib

    munis = jdxlib.load("municipalities")
    counts = munis["name"].value_counts()
    assert (counts > 1).sum() == 25 and counts[counts > 1].sum() == 57
    for m in N._index().municipalities:
        assert N.resolve_municipality(m.code) == m
        assert N.resolve_municipality(m.code5) == m
        assert N.resolve_municipality(m.full_name) == m


def test_real_variants_table_points_at_real_names(real):
    known = set(N._index().by_name)
    for variant, canonical in N._variant_pairs():
        assert N._key(canonical) in known, canonical
        assert N._key(variant) not in known, variant  # a variant must not be a real name


def test_real_validate_parameters_two_problems(real):
    with pytest.raises(NameResolutionError) as exc:
        N.validate_parameters(prefecture="東京", highlight="伊達市")
    assert len(exc.value.problems) == 2
    res = N.validate_parameters(prefecture="東京都", highlight="世田谷区")
    assert res.prefecture.code == "130001" and res.highlight.code == "131121"
