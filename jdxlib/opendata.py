"""Tables of the open-data surveys (``opendata_survey``): numeric, tidy, non-response visible.

Every function returns a pandas DataFrame with ASCII column names; Japanese wording lives in
:mod:`jdxlib.opendata_sections`.  The rules the tables follow (SOURCES.md §7):

- **Denominator = respondents.**  A share is ``count / respondents`` where respondents are the
  bodies that submitted *and* answered the question.  Bodies that did not submit (未提出,
  未確認) and submitted bodies that skipped the question (無回答) are counted beside it, never
  folded into 「いいえ」.
- **Bounds, not intervals.**  Every body was asked, so there is no sampling error; what is
  unknown is how the non-respondents would have answered.  :func:`bounds` gives the share of
  all bodies if every non-respondent were "no" (``low``) or "yes" (``high``).
- **Change 2020 → 2024** only for bodies that submitted both times and only on questions worded
  identically (``wording: identical`` in ``refdata/opendata_questions.yml``).

Column glossary
---------------
``code``, ``name``, ``prefecture_code``, ``prefecture``, ``type``, ``population_2020``,
``population_band``, ``level``
    who the body is (``type`` is 「都道府県」 for prefectures).
``status``
    提出済 / 未提出 / 未確認 (the wave's response status).
``category``, ``kind``
    an option label (``kind="answer"``) or a non-response category (``kind="nonresponse"``:
    未提出, 未確認, 無回答).
``count``, ``respondents``, ``nonrespondents``, ``total``
    bodies; ``total = respondents + nonrespondents``.
``share``
    ``count / respondents`` (NaN for non-response rows); ``share_of_all`` = ``count / total``.
``low``, ``high``
    bounds of the share of all bodies under non-response (see :func:`bounds`).
"""
from __future__ import annotations

import difflib
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ._build.opendata import normalise_option, questionnaire
from . import analysis as _analysis
from ._memo import derived
from .peers import population_band
from .stats import rank_with_ties

__all__ = [
    "NO_ANSWER",
    "SUBMITTED",
    "WAVES",
    "body_answers",
    "bodies",
    "bounds",
    "categories",
    "comparable",
    "dx_by_response",
    "engagement_groups",
    "option_shares",
    "panel",
    "panel_change",
    "panel_change_summary",
    "prefecture_answers",
    "prefecture_shares",
    "publication_crosstab",
    "published_then_not_engaged",
    "question",
    "question_options",
    "status_table",
]

WAVES = ("2020", "2024")
SUBMITTED = "提出済"
STATUSES = ("提出済", "未提出", "未確認")
#: A submitted body that did not answer one question.
NO_ANSWER = "無回答"
NONRESPONSE = ("未提出", "未確認", NO_ANSWER)
PREFECTURE_TYPE = "都道府県"
_BY = ("type", "population_band", "prefecture")


def _load(name: str) -> pd.DataFrame:
    from . import _datasets  # not the package root, which sits above the layers

    return _datasets.load(name)


# ------------------------------------------------------------------------------ who


def bodies(level: str = "municipality", *, municipalities: pd.DataFrame | None = None,
           prefectures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The bodies of *level* (``municipality``, ``prefecture`` or ``all``) with who they are.

    Columns: code, name, prefecture_code, prefecture (ordered categorical in code order), type,
    population_2020, population_band, level.
    """
    if level not in ("municipality", "prefecture", "all"):
        raise ValueError(f"level must be 'municipality', 'prefecture' or 'all', got {level!r}")
    if municipalities is None and prefectures is None:
        return _bodies(level)
    return _make_bodies(level, municipalities, prefectures)


@derived("municipalities", "prefectures")
def _bodies(level: str) -> pd.DataFrame:
    return _make_bodies(level, None, None)


def _make_bodies(level, municipalities, prefectures) -> pd.DataFrame:
    m = _load("municipalities") if municipalities is None else municipalities
    p = _load("prefectures") if prefectures is None else prefectures
    pref_order = list(p.sort_values("code")["name"])
    frames = []
    if level in ("municipality", "all"):
        frames.append(pd.DataFrame({
            "code": m["code"], "name": m["name"], "prefecture_code": m["prefecture_code"],
            "prefecture": m["prefecture"], "type": m["type"].astype(str),
            "population_2020": m["population_2020"], "level": "municipality"}))
    if level in ("prefecture", "all"):
        frames.append(pd.DataFrame({
            "code": p["code"], "name": p["name"], "prefecture_code": p["prefecture_code"],
            "prefecture": p["name"], "type": PREFECTURE_TYPE,
            "population_2020": p["population_2020"], "level": "prefecture"}))
    out = pd.concat(frames, ignore_index=True).sort_values("code", ignore_index=True)
    types = [t for t in list(m["type"].cat.categories) + [PREFECTURE_TYPE] if t in set(out["type"])]
    out["type"] = pd.Categorical(out["type"], categories=types, ordered=True)
    out["prefecture"] = pd.Categorical(out["prefecture"], categories=pref_order, ordered=True)
    band = population_band(out["population_2020"])
    out["population_band"] = band.where(out["level"] == "municipality")
    return out


# ------------------------------------------------------------------------------ questions


def _check_wave(wave) -> str:
    wave = str(wave)
    if wave not in WAVES:
        raise ValueError(f"wave must be one of {', '.join(WAVES)}; got {wave!r}")
    return wave


def question(question_id: str, wave: str = "2024") -> dict:
    """Our record of one question (label, type, topic) plus its id and wave.

    Raises
    ------
    ValueError
        Unknown id, with a close match and the valid ids of the wave.
    """
    wave = _check_wave(wave)
    specs = questionnaire()["questions"][wave]
    if question_id not in specs:
        close = difflib.get_close_matches(str(question_id), list(specs), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown {wave} question {question_id!r}.{hint} Valid ids: {', '.join(specs)}.")
    return {"question_id": question_id, "wave": wave, **specs[question_id]}


def question_options(question_id: str, wave: str = "2024", questions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The options of a question in display order: option_order, option, option_label, chosen."""
    q = question(question_id, wave)
    qs = _load("opendata_questions") if questions is None else questions
    sel = qs[(qs["wave"] == q["wave"]) & (qs["question_id"] == question_id)]
    return sel.sort_values("option_order")[["option_order", "option", "option_label", "chosen"]].reset_index(drop=True)


# ------------------------------------------------------------------------------ per body


@derived("opendata_survey", copy=False)
def _cached_rows(wave: str, question_id: str | None) -> pd.DataFrame:
    return _select(_load("opendata_survey"), wave, question_id)


def _select(s: pd.DataFrame, wave: str, question_id: str | None) -> pd.DataFrame:
    """Status rows (one per body; question_id None) or a question's rows of one wave."""
    w = s[s["wave"] == wave]
    if question_id is None:
        return w.drop_duplicates("code")[["code", "status"]].reset_index(drop=True)
    return w[w["question_id"] == question_id][["code", "option", "option_label", "option_order"]].reset_index(drop=True)


def _rows(survey: pd.DataFrame | None, wave: str, question_id: str | None) -> pd.DataFrame:
    return _cached_rows(wave, question_id) if survey is None else _select(survey, wave, question_id)


#: Group of the bodies whose grouping value is missing (双葉町 has no 2020 population); the same
#: label as the other reports (analysis.UNKNOWN_GROUP), which their captions explain.
UNKNOWN_GROUP = _analysis.UNKNOWN_GROUP


def _with_group(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """*df* with a ``group`` column; population bands only for municipalities, 「不明」 kept."""
    df = df.copy()
    if by is None:
        df["group"] = "全国"
        return df
    if by == "population_band":
        df = df[df["level"] == "municipality"].copy()
    g = df[by]
    if isinstance(g.dtype, pd.CategoricalDtype) and g.isna().any():
        g = g.cat.add_categories([UNKNOWN_GROUP]).fillna(UNKNOWN_GROUP)
    df["group"] = g
    return df


def status_by_body(wave: str = "2024", level: str = "municipality", *, survey: pd.DataFrame | None = None,
                   who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every body of *level* with its response status in *wave* (from :func:`bodies`)."""
    wave = _check_wave(wave)
    st = _rows(survey, wave, None)
    who = bodies(level) if who is None else who
    out = who.merge(st, on="code", how="left")
    if out["status"].isna().any():
        raise ValueError(f"{out['status'].isna().sum()} bodies have no status in the {wave} survey")
    out["status"] = pd.Categorical(out["status"].astype(str), categories=list(STATUSES), ordered=True)
    return out


def answers(question_id: str, wave: str = "2024", level: str = "municipality", *,
            survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per body × chosen option of a question, plus one row per body that did not answer.

    Columns: the :func:`bodies` columns, ``status``, ``category`` (option label, or 未提出 /
    未確認 / 無回答), ``kind`` (answer / nonresponse), ``option_order`` (NA for non-response).
    """
    q = question(question_id, wave)
    base = status_by_body(q["wave"], level, survey=survey, who=who)
    rows = _rows(survey, q["wave"], question_id)[["code", "option_label", "option_order"]]
    out = base.merge(rows, on="code", how="left")
    answered = out["option_label"].notna()
    status = out["status"].astype(str)
    out["category"] = np.where(answered, out["option_label"].astype(object),
                               np.where(status == SUBMITTED, NO_ANSWER, status))
    out["kind"] = np.where(answered, "answer", "nonresponse")
    return out.drop(columns="option_label")


def categories(question_id: str, wave: str = "2024") -> list[str]:
    """The answer categories of a question in display order, then 未提出, 未確認, 無回答."""
    return _categories(question_id, wave, None)


def comparable(topic: str) -> dict:
    """The cross-wave record of *topic* (question ids per wave, wording, note)."""
    return dict(_comparable(topic))


def _categories(question_id: str, wave: str, survey: pd.DataFrame | None) -> list[str]:
    q = question(question_id, wave)
    sel = _rows(survey, q["wave"], question_id)
    opts = sel.drop_duplicates("option_label").sort_values("option_order")["option_label"].astype(str).tolist()
    return opts + list(NONRESPONSE)


def option_shares(question_id: str, wave: str = "2024", by: str | None = None, level: str = "municipality", *,
                  survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts and shares of every option, with the non-respondents as their own categories.

    Parameters
    ----------
    by : {None, "type", "population_band", "prefecture"}
        None gives one national group (``group`` = 「全国」).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``category``, ``kind``, ``option_order``, ``count``, ``respondents``,
        ``nonrespondents``, ``total``, ``share`` (count / respondents; NaN for non-response
        rows), ``share_of_all`` (count / total).  For a multi-choice question the shares of
        one group add up to more than 1.
    """
    if by is not None and by not in _BY:
        raise ValueError(f"by must be None or one of {', '.join(_BY)}; got {by!r}")
    s = survey
    a = answers(question_id, wave, level, survey=s, who=who)
    a = _with_group(a, by)
    groups = list(a["group"].cat.categories) if isinstance(a["group"].dtype, pd.CategoricalDtype) else ["全国"]
    cats = _categories(question_id, wave, s)
    per_body = a.drop_duplicates("code")
    resp = per_body[per_body["kind"] == "answer"].groupby("group", observed=False).size()
    total = per_body.groupby("group", observed=False).size()
    counts = a.groupby(["group", "category"], observed=False).size()
    rows = []
    order = {c: i + 1 for i, c in enumerate(cats)}
    for g in groups:
        n, t = int(resp.get(g, 0)), int(total.get(g, 0))
        for c in cats:
            k = int(counts.get((g, c), 0))
            answer = c not in NONRESPONSE
            rows.append({"group": g, "category": c, "kind": "answer" if answer else "nonresponse",
                         "option_order": order[c], "count": k, "respondents": n, "nonrespondents": t - n,
                         "total": t, "share": (k / n if n else np.nan) if answer else np.nan,
                         "share_of_all": k / t if t else np.nan})
    out = pd.DataFrame(rows)
    if groups != ["全国"]:
        out["group"] = pd.Categorical(out["group"], categories=groups, ordered=True)
    return out


def status_table(wave: str = "2024", by: str | None = None, level: str = "municipality", *,
                 survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Response status counts per group: ``group``, ``status``, ``count``, ``total``, ``share_of_all``."""
    if by is not None and by not in _BY:
        raise ValueError(f"by must be None or one of {', '.join(_BY)}; got {by!r}")
    st = status_by_body(wave, level, survey=survey, who=who)
    st = _with_group(st, by)
    out = st.groupby(["group", "status"], observed=False).size().rename("count").reset_index()
    out["total"] = out.groupby("group", observed=False)["count"].transform("sum")
    out["share_of_all"] = np.where(out["total"] > 0, out["count"] / out["total"].where(out["total"] > 0, 1), np.nan)
    return out


def bounds(question_id: str, yes: Sequence[str], wave: str = "2024", by: str | None = None,
           level: str = "municipality", *, survey: pd.DataFrame | None = None,
           who: pd.DataFrame | None = None) -> pd.DataFrame:
    """The share answering one of *yes* among respondents, and its bounds over all bodies.

    Parameters
    ----------
    yes : sequence of str
        Option labels counted as "yes" (e.g. ``["取り組んでいる"]``).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``yes``, ``respondents``, ``nonrespondents``, ``total``, ``share``
        (yes / respondents), ``low`` (yes / total: every non-respondent "no"), ``high``
        ((yes + nonrespondents) / total: every non-respondent "yes").
    """
    s = survey
    known = _categories(question_id, wave, s)
    bad = [y for y in yes if y not in known or y in NONRESPONSE]
    if bad or not yes:
        raise ValueError(f"yes must name options of {question_id} ({wave}); unknown: {bad or yes!r}. "
                         f"Valid: {', '.join(c for c in known if c not in NONRESPONSE)}.")
    sh = option_shares(question_id, wave, by, level, survey=s, who=who)
    first = sh.drop_duplicates("group").set_index("group")
    a = answers(question_id, wave, level, survey=s, who=who)
    a = _with_group(a, by)
    k = a[a["category"].isin(list(yes))].drop_duplicates("code").groupby("group", observed=False).size()
    out = pd.DataFrame({"group": first.index})
    out["yes"] = [int(k.get(g, 0)) for g in out["group"]]
    out["respondents"] = first["respondents"].to_numpy()
    out["nonrespondents"] = first["nonrespondents"].to_numpy()
    out["total"] = first["total"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        n, t = out["respondents"].to_numpy(float), out["total"].to_numpy(float)
        out["share"] = np.where(n > 0, out["yes"] / np.where(n > 0, n, 1), np.nan)
        out["low"] = np.where(t > 0, out["yes"] / np.where(t > 0, t, 1), np.nan)
        out["high"] = np.where(t > 0, (out["yes"] + out["nonrespondents"]) / np.where(t > 0, t, 1), np.nan)
    if isinstance(sh["group"].dtype, pd.CategoricalDtype):
        out["group"] = pd.Categorical(out["group"], categories=sh["group"].cat.categories, ordered=True)
    return out


def prefecture_shares(question_id: str, yes: Sequence[str], wave: str = "2024", *,
                      survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`bounds` by prefecture (municipalities) with ``prefecture_code`` and a tie-aware rank."""
    b = bounds(question_id, yes, wave, by="prefecture", survey=survey, who=who)
    w = bodies("municipality") if who is None else who
    codes = w.drop_duplicates("prefecture").set_index("prefecture")["prefecture_code"]
    b = b.rename(columns={"group": "prefecture"})
    b.insert(1, "prefecture_code", b["prefecture"].astype(str).map(codes.astype(str).to_dict()))
    rk = rank_with_ties(b["share"])
    b = pd.concat([b, rk], axis=1)
    return b.sort_values(["rank", "prefecture_code"], na_position="last", ignore_index=True)


# ------------------------------------------------------------------------------ two waves


def _comparable(topic: str) -> dict:
    for c in questionnaire()["comparable"]:
        if c["topic"] == topic:
            return c
    valid = [c["topic"] for c in questionnaire()["comparable"]]
    raise ValueError(f"Unknown comparable topic {topic!r}. Valid topics: {', '.join(valid)}.")


def panel(level: str = "all", *, survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bodies that submitted in both waves (the only bodies whose change may be shown)."""
    codes = None
    for wave in WAVES:
        st = _rows(survey, wave, None)
        sub = set(st.loc[st["status"].astype(str) == SUBMITTED, "code"])
        codes = sub if codes is None else codes & sub
    who = bodies(level) if who is None else who
    return who[who["code"].isin(codes)].reset_index(drop=True)


def _single_answer(question_id: str, wave: str, survey: pd.DataFrame | None) -> pd.DataFrame:
    return _rows(survey, wave, question_id)[["code", "option", "option_label"]].drop_duplicates("code")


def panel_change(topic: str, level: str = "all", *, survey: pd.DataFrame | None = None,
                 who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per body of the panel: the 2020 and 2024 answers to an identically worded question and the change.

    Only options worded the same in both waves form the common scale (compared as NFKC text);
    a body whose answer lies outside it in either wave (e.g. 「よく分からない」, or not publishing,
    which the two waves word differently) gets ``change = "not_comparable"``.

    Returns
    -------
    pandas.DataFrame
        The :func:`bodies` columns, ``answer_2020``, ``answer_2024`` (our labels, 2024 wave),
        ``level_2020``, ``level_2024`` (position on the common scale, 1 = lowest), ``change``
        (``up`` / ``same`` / ``down`` / ``not_comparable``).

    Raises
    ------
    ValueError
        For a topic whose wording differs between the waves.
    """
    c = _comparable(topic)
    if c["wording"] != "identical":
        raise ValueError(f"{topic!r} is worded differently in 2020 and 2024 ({c['wording']}); a per-body change "
                         "is shown only for identically worded questions: "
                         + ", ".join(x["topic"] for x in questionnaire()["comparable"] if x["wording"] == "identical"))
    s = survey
    qs = _load("opendata_questions")
    o20 = qs[(qs["wave"] == "2020") & (qs["question_id"] == c["2020"])].sort_values("option_order")
    o24 = qs[(qs["wave"] == "2024") & (qs["question_id"] == c["2024"])].sort_values("option_order")
    common = [normalise_option(o) for o in o20["option"] if normalise_option(o) in
              {normalise_option(x) for x in o24["option"]}]
    if c.get("higher_is", "last") == "first":
        common = common[::-1]
    scale = {o: i + 1 for i, o in enumerate(common)}
    p = panel(level, survey=s, who=who)
    a20 = _single_answer(c["2020"], "2020", s)
    a24 = _single_answer(c["2024"], "2024", s)
    out = p.merge(a20.rename(columns={"option": "_o20", "option_label": "answer_2020"}), on="code", how="left")
    out = out.merge(a24.rename(columns={"option": "_o24", "option_label": "answer_2024"}), on="code", how="left")
    label24 = {normalise_option(o): lab for o, lab in zip(o24["option"], o24["option_label"])}
    # show the 2020 answer with the 2024 wording's label where the option is the same
    out["answer_2020"] = [label24.get(normalise_option(o), lab) if isinstance(o, str) else pd.NA
                          for o, lab in zip(out["_o20"], out["answer_2020"])]
    out["level_2020"] = pd.array([scale.get(normalise_option(o)) if isinstance(o, str) else None
                                  for o in out["_o20"]], dtype="Int64")
    out["level_2024"] = pd.array([scale.get(normalise_option(o)) if isinstance(o, str) else None
                                  for o in out["_o24"]], dtype="Int64")
    both = out["level_2020"].notna() & out["level_2024"].notna()
    diff = (out["level_2024"] - out["level_2020"]).to_numpy(dtype=float, na_value=np.nan)
    out["change"] = np.select([~both.to_numpy(), diff > 0, diff < 0], ["not_comparable", "up", "down"], "same")
    return out.drop(columns=["_o20", "_o24"])


CHANGES = ("up", "same", "down", "not_comparable")


def panel_change_summary(topic: str, by: str | None = None, level: str = "all", *,
                         survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of :func:`panel_change`: ``group``, ``change``, ``count``, ``panel`` (bodies),
    ``comparable`` (bodies on the common scale both times), ``share`` (count / comparable; NaN
    for ``not_comparable``)."""
    pc = panel_change(topic, level, survey=survey, who=who)
    pc = _with_group(pc, by)
    groups = list(pc["group"].cat.categories) if isinstance(pc["group"].dtype, pd.CategoricalDtype) else ["全国"]
    rows = []
    for g in groups:
        sub = pc[pc["group"] == g]
        comparable = int((sub["change"] != "not_comparable").sum())
        for ch in CHANGES:
            k = int((sub["change"] == ch).sum())
            rows.append({"group": g, "change": ch, "count": k, "panel": len(sub), "comparable": comparable,
                         "share": (k / comparable if comparable else np.nan) if ch != "not_comparable" else np.nan})
    return pd.DataFrame(rows)


def _status_or_answer(question_id: str, wave: str, survey: pd.DataFrame, who: pd.DataFrame) -> pd.Series:
    a = answers(question_id, wave, "all", survey=survey, who=who).drop_duplicates("code")
    return a.set_index("code")["category"]


def publication_crosstab(level: str = "municipality", *, survey: pd.DataFrame | None = None,
                         who: pd.DataFrame | None = None) -> pd.DataFrame:
    """2020 publication status (No.2) × 2024 取組 (Q3), non-response included on both sides.

    Two different questions: an association of answers, not a change.  Long form:
    ``answer_2020``, ``answer_2024``, ``count`` (every combination, zeros included).
    """
    c = _comparable("publication")
    s = survey
    w = bodies(level) if who is None else who
    a20 = _status_or_answer(c["2020"], "2020", s, w)
    a24 = _status_or_answer(c["2024"], "2024", s, w)
    df = pd.DataFrame({"answer_2020": a20, "answer_2024": a24.reindex(a20.index)})
    c20, c24 = _categories(c["2020"], "2020", s), _categories(c["2024"], "2024", s)
    counts = df.groupby(["answer_2020", "answer_2024"]).size()
    rows = [{"answer_2020": x, "answer_2024": y, "count": int(counts.get((x, y), 0))} for x in c20 for y in c24]
    out = pd.DataFrame(rows)
    out["answer_2020"] = pd.Categorical(out["answer_2020"], categories=c20, ordered=True)
    out["answer_2024"] = pd.Categorical(out["answer_2024"], categories=c24, ordered=True)
    return out


def published_option_2020(survey: pd.DataFrame | None = None) -> str:
    """The 2020 No.2 option meaning "already published" (found by its wording in the file)."""
    opts = _rows(survey, "2020", _comparable("publication")["2020"])["option_label"]
    found = sorted({o for o in opts.dropna().astype(str) if "すでに公開" in o})
    if len(found) != 1:
        raise ValueError(f"expected one 'already published' option in the 2020 publication question, found {found}")
    return found[0]


def published_then_not_engaged(level: str = "all", *, survey: pd.DataFrame | None = None,
                               who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Bodies that already published in 2020 (No.2) but answer 「取り組んでいない」 in 2024 (Q3)."""
    c = _comparable("publication")
    s = survey
    w = bodies(level) if who is None else who
    a20 = _status_or_answer(c["2020"], "2020", s, w)
    a24 = _status_or_answer(c["2024"], "2024", s, w)
    no = [o for o in _categories(c["2024"], "2024", s) if o.endswith("取り組んでいない")]
    published = published_option_2020(s)
    a24 = a24.reindex(a20.index)
    codes = set(a20.index[(a20 == published).to_numpy() & a24.isin(no).to_numpy()])
    return w[w["code"].isin(codes)].reset_index(drop=True)


# ------------------------------------------------------------------------------ non-response vs DX


def engagement_groups(wave: str = "2024", level: str = "municipality", *, survey: pd.DataFrame | None = None,
                      who: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every body with its 2024 取組 answer (Q3) or its non-response status: ``code``, ``group``."""
    a = answers("Q3", wave, level, survey=survey, who=who).drop_duplicates("code")
    order = _categories("Q3", wave, survey)
    present = [c for c in order if c in set(a["category"])]
    return pd.DataFrame({"code": a["code"].to_numpy(),
                         "group": pd.Categorical(a["category"], categories=present, ordered=True)})


def dx_by_response(indicator_ids: str | Iterable[str] = "dx_policy_formulated", *,
                   survey: pd.DataFrame | None = None, dx_status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dashboard DX items (実施 share over the item's respondents) by 2024 open-data answer / status.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator``, ``group`` (取り組んでいる / 取り組んでいない / 未提出 /
        未確認 …), ``bodies`` (municipalities in the group), ``yes`` (実施), ``n`` (実施 + 未実施),
        ``not_surveyed`` (調査無し), ``share`` (yes / n).
    """
    ids = [indicator_ids] if isinstance(indicator_ids, str) else list(indicator_ids)
    dx = _load("dx_status") if dx_status is None else dx_status
    dx = dx[(dx["level"].astype(str) == "municipality") & dx["indicator_id"].astype(str).isin(ids)]
    unknown = [i for i in ids if i not in set(dx["indicator_id"].astype(str))]
    if unknown:
        raise ValueError(f"unknown dashboard indicator(s) {unknown}")
    g = engagement_groups(survey=survey)
    rows = []
    for ind in ids:
        d = dx[dx["indicator_id"].astype(str) == ind][["code", "indicator", "status"]].merge(g, on="code", how="right")
        label = str(d["indicator"].dropna().iloc[0])
        for grp in g["group"].cat.categories:
            sub = d[d["group"] == grp]
            st = sub["status"].astype(str)
            yes, no = int((st == "実施").sum()), int((st == "未実施").sum())
            rows.append({"indicator_id": ind, "indicator": label, "group": grp, "bodies": len(sub), "yes": yes,
                         "n": yes + no, "not_surveyed": int((st == "調査無し").sum()),
                         "share": yes / (yes + no) if yes + no else np.nan})
    out = pd.DataFrame(rows)
    out["group"] = pd.Categorical(out["group"], categories=list(g["group"].cat.categories), ordered=True)
    return out


# ------------------------------------------------------------------------------ one body


def body_answers(code: str, question_ids: dict[str, Sequence[str]] | None = None, *,
                 survey: pd.DataFrame | None = None, who: pd.DataFrame | None = None) -> pd.DataFrame:
    """One body's answers in both waves beside the shares of the same answer among its peers.

    Parameters
    ----------
    code : str
        6-digit code of a municipality.
    question_ids : dict, optional
        ``{wave: [question ids]}``; default: the topics shown in the open-data report.

    Returns
    -------
    pandas.DataFrame
        ``wave``, ``question_id``, ``label``, ``answer`` (option labels joined by 「、」, or the
        non-response category), ``kind``, and for each peer group (``prefecture``, ``type``,
        ``national``; the body itself left out) ``<peer>_count`` (respondents choosing the
        body's answer; for several options, the first), ``<peer>_respondents``.
    """
    s = survey
    w = bodies("municipality") if who is None else who
    me = w[w["code"] == code]
    if me.empty:
        raise ValueError(f"{code!r} is not the code of one of the 1,741 municipalities")
    me = me.iloc[0]
    question_ids = question_ids or DEFAULT_BODY_QUESTIONS
    rows = []
    national = survey is None and who is None  # the same table for every body of a batch
    for wave, qids in question_ids.items():
        for qid in qids:
            index = _national_answer_index(qid, wave) if national else \
                _AnswerIndex(answers(qid, wave, "municipality", survey=s, who=w))
            kind, cats = index.own(code)
            row = {"wave": wave, "question_id": qid, "label": question(qid, wave)["label"],
                   "answer": "、".join(cats), "kind": kind}
            answered = kind == "answer"
            for peer, group in (("prefecture", me["prefecture_code"]), ("type", str(me["type"])),
                                ("national", None)):
                # peers never include the body itself: take it out of the counts it is in
                row[f"{peer}_count"] = index.count(peer, group, cats[0]) - 1 if answered else np.nan
                row[f"{peer}_respondents"] = index.respondents(peer, group) - int(answered)
            rows.append(row)
    return pd.DataFrame(rows)


class _AnswerIndex:
    """Respondents and option counts of one question per peer group, counted once.

    :meth:`own` gives a body's ``(kind, categories in option order)``; :meth:`count` and
    :meth:`respondents` count distinct bodies in a group (``prefecture`` by prefecture code,
    ``type`` by type, ``national`` for all), the body itself included.
    """

    def __init__(self, a: pd.DataFrame):
        a = a[["code", "kind", "category", "option_order", "prefecture_code", "type"]].copy()
        a["type"] = a["type"].astype(str)
        a["category"] = a["category"].astype(str)
        self._ordered = a.sort_values(["code", "option_order"], kind="mergesort").reset_index(drop=True)
        self._rows = self._ordered.groupby("code", sort=False).indices  # code -> row positions
        ans = a[a["kind"] == "answer"].drop_duplicates(["code", "category"])
        who = ans.drop_duplicates("code")
        self._respondents = {
            "prefecture": who["prefecture_code"].value_counts().to_dict(),
            "type": who["type"].value_counts().to_dict(),
            "national": {None: len(who)},
        }
        self._counts = {
            "prefecture": ans.groupby(["prefecture_code", "category"], observed=True).size().to_dict(),
            "type": ans.groupby(["type", "category"], observed=True).size().to_dict(),
            "national": {(None, c): n for c, n in ans["category"].value_counts().items()},
        }

    def own(self, code: str) -> tuple[str, list[str]]:
        """The body's ``kind`` and its categories in option order."""
        rows = self._ordered.iloc[self._rows[code]]
        return str(rows["kind"].iloc[0]), rows["category"].tolist()

    def respondents(self, peer: str, group) -> int:
        return int(self._respondents[peer].get(group, 0))

    def count(self, peer: str, group, category: str) -> int:
        return int(self._counts[peer].get((group, category), 0))


@derived("opendata_survey", "municipalities", "prefectures", maxsize=32, copy=False)
def _national_answer_index(question_id: str, wave: str) -> _AnswerIndex:
    """:class:`_AnswerIndex` of every municipality's answers, kept while the data is unchanged."""
    return _AnswerIndex(_national_answers(question_id, wave))


@derived("opendata_survey", "municipalities", "prefectures", maxsize=32, copy=False)
def _national_answers(question_id: str, wave: str) -> pd.DataFrame:
    """:func:`answers` of every municipality, kept while the data is unchanged (read only)."""
    return answers(question_id, wave, "municipality")


def prefecture_answers(prefecture_code: str, question_ids: dict[str, Sequence[str]] | None = None, *,
                       survey: pd.DataFrame | None = None) -> pd.DataFrame:
    """A prefecture's own answers in both waves beside the other 46 prefectures.

    Returns
    -------
    pandas.DataFrame
        ``wave``, ``question_id``, ``label``, ``answer``, ``kind``, ``others_count`` (other
        prefectures giving the same answer; NaN when it did not answer), ``others_respondents``.
    """
    who = bodies("prefecture")
    if prefecture_code not in set(who["prefecture_code"]):
        raise ValueError(f"{prefecture_code!r} is not a 2-digit prefecture code (01–47)")
    rows = []
    for wave, qids in (question_ids or DEFAULT_BODY_QUESTIONS).items():
        for qid in qids:
            a = answers(qid, wave, "prefecture", survey=survey, who=who)
            mine = a[a["prefecture_code"] == prefecture_code]
            others = a[(a["prefecture_code"] != prefecture_code) & (a["kind"] == "answer")]
            kind = mine["kind"].iloc[0]
            cats = mine.sort_values("option_order")["category"].astype(str).tolist()
            rows.append({"wave": wave, "question_id": qid, "label": question(qid, wave)["label"],
                         "answer": "、".join(cats), "kind": kind,
                         "others_count": others[others["category"] == cats[0]]["code"].nunique()
                         if kind == "answer" else np.nan,
                         "others_respondents": others["code"].nunique()})
    return pd.DataFrame(rows)


#: The questions of the report's body table, per wave.
DEFAULT_BODY_QUESTIONS: dict[str, list[str]] = {
    "2020": ["No.1", "No.2", "No.14", "No.23"],
    "2024": ["Q1", "Q3", "Q6", "Q7", "Q24", "Q44", "Q50"],
}
