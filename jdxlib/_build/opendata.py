"""``opendata_survey`` and ``opendata_questions``: the open-data surveys of 2020 and 2024 (SOURCES.md §7).

Both waves cover all 1,788 bodies (47 prefectures + 1,741 municipalities).  The tidy table has
one row per body × wave × question × chosen option; a body that did not submit (未提出 /
未確認) has one row with its status and no question, so it can never be read as an answer.
Free-text answers are not copied: a free-text question has a row (without option) only when
the body wrote something.

Quirks handled (each checked, never assumed):

- 2024: both code columns lose the leading zero of 北海道 (``10006``); codes are zero-filled,
  check-digit verified and compared with prefecture + name (檮原町 = 梼原町).  Multi-choice
  answers are joined by ``;`` and some options carry a stray TAB; in one question (Q41) the
  options are fused without a separator and are split on the question's own options.
- 2020: two header rows (row 1 question texts, a blank cell continues the question to its left;
  row 2 option labels; a chosen option is ``○``).  苅田町 (福岡県) carries 東大和市's code
  132209: a code whose name disagrees with the row is repaired by prefecture + name and reported
  by :func:`repairs_2020` (recorded in ``data/errata/opendata_2020.yml``).

Question texts and option labels come from the files; our ids, labels, types, option order
and the cross-wave map come from ``jdxlib/refdata/opendata_questions.yml``.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .._paths import PACKAGE_DIR
from . import codes
from ._common import BuildError

REFDATA = PACKAGE_DIR / "refdata" / "opendata_questions.yml"
WAVES = ("2020", "2024")
SURVEY_COLUMNS = ["code", "level", "wave", "status", "question_id", "question_type", "option_order",
                  "option", "option_label", "reference_period", "source"]
QUESTION_COLUMNS = ["wave", "question_id", "question_number", "label", "topic", "question_type",
                    "question_text", "option_order", "option", "option_label", "chosen", "respondents",
                    "submitted", "comparable_topic", "wording"]
HEADER_2024 = ["地方公共団体コード", "地方公共団体コード6桁", "地方公共団体名", "都道府県名",
               "都道府県名または市町村名", "状態"]
HEADER_2020 = ["地方公共団体コード", "地方公共団体名", "提出状況"]
CHOSEN_2020 = "○"


@lru_cache(maxsize=1)
def questionnaire() -> dict:
    """The committed map (``refdata/opendata_questions.yml``): waves, questions, comparable."""
    return yaml.safe_load(REFDATA.read_text(encoding="utf-8"))


def inputs() -> list[str]:
    q = questionnaire()
    return ["code_list"] + [q["waves"][w]["source"] for w in WAVES]


# ------------------------------------------------------------------------------ bodies


def bodies(code_list: pd.DataFrame) -> pd.DataFrame:
    """The 1,788 bodies: code, level, prefecture (name), name (prefecture name for prefectures)."""
    p = codes.prefecture_codes(code_list)
    m = codes.municipal_codes(code_list)
    out = pd.concat([
        pd.DataFrame({"code": p["code"], "level": "prefecture", "prefecture": p["name"], "name": p["name"]}),
        pd.DataFrame({"code": m["code"], "level": "municipality", "prefecture": m["prefecture"], "name": m["name"]}),
    ], ignore_index=True).sort_values("code", ignore_index=True)
    return out


def _same_name(found: str, expected: str) -> bool:
    return codes.same_name(found.strip(), expected)


def _full_name(pref: str, name: str, level: str) -> str:
    return pref if level == "prefecture" else f"{pref} {name}"


# ------------------------------------------------------------------------------ options


def _clean(option: str) -> str:
    """Strip the stray TABs and spaces around an option."""
    return option.strip(" \t\r\n")


def _split_fused(part: str, known: set[str]) -> list[str] | None:
    """*part* as a sequence of >= 2 *known* options glued together, or None."""
    best: dict[int, list[str]] = {0: []}
    for i in range(len(part)):
        if i not in best:
            continue
        for k in known:
            if k and k != part and part.startswith(k, i) and (i + len(k)) not in best:
                best[i + len(k)] = best[i] + [k]
    found = best.get(len(part))
    return found if found and len(found) >= 2 else None


def _split_multi(values: list[str]) -> list[list[str]]:
    """Multi-choice cells → option lists (``;``- and TAB-separated, fused options split)."""
    parts = [[_clean(p) for p in re.split(r"[;\t]", v) if _clean(p)] for v in values]
    seen = {p for ps in parts for p in ps}
    known = {p for p in seen if _split_fused(p, seen - {p}) is None}
    out = []
    for ps in parts:
        row: list[str] = []
        for p in ps:
            row += [p] if p in known else (_split_fused(p, known) or [p])
        out.append(list(dict.fromkeys(row)))
    return out


def _order_options(wave: str, qid: str, spec: dict, counts: dict[str, int],
                   file_order: list[str] | None = None) -> list[tuple[str, str]]:
    """``[(option, label)]`` in display order; every option must match exactly one level."""
    levels = spec.get("levels")
    if not levels:
        opts = file_order if file_order is not None else sorted(counts, key=lambda o: (-counts[o], o))
        return [(o, o) for o in opts]
    assigned: dict[int, str] = {}
    for opt in counts:
        hits = [i for i, lv in enumerate(levels) if lv["match"] in opt]
        if len(hits) != 1:
            valid = ", ".join(lv["match"] for lv in levels)
            raise BuildError(f"opendata {wave} {qid}: option {opt!r} matches {len(hits)} of the expected levels "
                             f"({valid}); the file differs from jdxlib/refdata/opendata_questions.yml")
        if hits[0] in assigned:
            raise BuildError(f"opendata {wave} {qid}: options {assigned[hits[0]]!r} and {opt!r} both match "
                             f"level {levels[hits[0]]['label']!r}")
        assigned[hits[0]] = opt
    return [(assigned[i], levels[i]["label"]) for i in sorted(assigned)]


# ------------------------------------------------------------------------------ readers


def _read_csv(path: Path, encoding: str, label: str) -> list[list[str]]:
    try:
        with open(path, encoding=encoding, newline="") as fh:
            return list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BuildError(f"{label}: cannot read as {encoding} CSV: {exc}") from None


def _answers_frame(wave: str, answers: dict[str, dict[str, list[str]]], status: dict[str, str],
                   texts: dict[str, str], order: dict[str, list[str]] | None = None):
    """Common tail of both readers: validate types, order options, build both tables."""
    q = questionnaire()
    specs = q["questions"][wave]
    missing = [k for k in specs if k not in texts]
    extra = [k for k in texts if k not in specs]
    if missing or extra:
        raise BuildError(f"opendata {wave}: questions in the file {sorted(extra)} / expected but absent "
                         f"{sorted(missing)} differ from jdxlib/refdata/opendata_questions.yml")
    survey_rows, question_rows = [], []
    submitted = q["waves"][wave]["statuses"][0]
    n_submitted = sum(1 for s in status.values() if s == submitted)
    comparable = {c[wave]: c for c in q["comparable"]}
    for num, (qid, spec) in enumerate(specs.items(), start=1):
        per_body = answers[qid]  # code -> list of chosen options (free: ["" ] when text given)
        kind = spec["type"]
        if kind == "single":
            multi = {c: o for c, o in per_body.items() if len(o) > 1}
            if multi:
                c, o = next(iter(multi.items()))
                raise BuildError(f"opendata {wave} {qid} is single-choice but {len(multi)} bodies chose several "
                                 f"options, e.g. {c}: {o}")
        cmp_ = comparable.get(qid, {})
        base = {"wave": wave, "question_id": qid, "question_number": num, "label": spec["label"],
                "topic": spec["topic"], "question_type": kind, "question_text": texts[qid],
                "respondents": len(per_body), "submitted": n_submitted,
                "comparable_topic": cmp_.get("topic"), "wording": cmp_.get("wording")}
        if kind == "free":
            question_rows.append({**base, "option_order": None, "option": None, "option_label": "（記入あり）",
                                  "chosen": len(per_body)})
            for code in per_body:
                survey_rows.append((code, qid, kind, None, None, "（記入あり）"))
            continue
        counts: dict[str, int] = {}
        for opts in per_body.values():
            for o in opts:
                counts[o] = counts.get(o, 0) + 1
        ordered = _order_options(wave, qid, spec, counts, (order or {}).get(qid))
        rank = {o: (i + 1, lab) for i, (o, lab) in enumerate(ordered)}
        for o, lab in ordered:
            question_rows.append({**base, "option_order": rank[o][0], "option": o, "option_label": lab,
                                  "chosen": counts.get(o, 0)})
        for code, opts in per_body.items():
            for o in opts:
                survey_rows.append((code, qid, kind, rank[o][0], o, rank[o][1]))
    return survey_rows, question_rows


def read_2024(path: Path, who: pd.DataFrame, label: str = "opendata2024_answers"):
    """Statuses, answers and question texts of the 2024 wave (see module doc)."""
    wave = "2024"
    specs = questionnaire()["questions"][wave]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        try:
            rows = list(csv.reader(fh))
        except csv.Error as exc:
            raise BuildError(f"{label}: cannot parse CSV: {exc}") from None
    if not rows or rows[0][:6] != HEADER_2024:
        raise BuildError(f"{label}: the first columns {rows[0][:6] if rows else []} differ from {HEADER_2024}")
    header = rows[0]
    texts: dict[str, str] = {}
    qcols: dict[str, int] = {}
    for j, h in enumerate(header[6:], start=6):
        m = re.match(r"^(Q\d+)(.*)$", h, flags=re.S)
        if not m:
            raise BuildError(f"{label}: column {j + 1} {h[:30]!r} is not a question column (Q<number>…)")
        qcols[m.group(1)] = j
        texts[m.group(1)] = m.group(2).strip()
    bad = [i + 2 for i, r in enumerate(rows[1:]) if len(r) != len(header)]
    if bad:
        raise BuildError(f"{label}: line(s) {bad[:5]} do not have {len(header)} fields")
    by_code = who.set_index("code")
    status: dict[str, str] = {}
    raw: dict[str, dict[str, str]] = {q: {} for q in qcols}
    statuses = questionnaire()["waves"][wave]["statuses"]
    for i, r in enumerate(rows[1:], start=2):
        c6 = r[1].strip().zfill(6)
        if not codes.is_valid_code(c6) or c6 not in by_code.index:
            raise BuildError(f"{label}, line {i}: code {r[1]!r} → {c6} is not one of the 1,788 bodies")
        if r[0].strip().zfill(5) != c6[:5]:
            raise BuildError(f"{label}, line {i}: 5-digit code {r[0]!r} disagrees with {r[1]!r}")
        b = by_code.loc[c6]
        if r[3] != b["prefecture"] or not _same_name(r[4], b["name"]):
            raise BuildError(f"{label}, line {i}: code {c6} is {b['prefecture']}{b['name']} in the code list "
                             f"but the row says {r[3]} {r[4]}")
        if c6 in status:
            raise BuildError(f"{label}: code {c6} appears twice")
        if r[5] not in statuses:
            raise BuildError(f"{label}, line {i}: status {r[5]!r} is not one of {statuses}")
        status[c6] = r[5]
        filled = {q: r[j] for q, j in qcols.items() if r[j].strip()}
        if r[5] != statuses[0] and filled:
            raise BuildError(f"{label}, line {i}: {b['name']} is {r[5]} but has answers ({sorted(filled)[:3]})")
        for q, v in filled.items():
            raw[q][c6] = v
    missing = sorted(set(who["code"]) - set(status))
    if missing:
        raise BuildError(f"{label}: {len(missing)} bodies missing, e.g. {missing[:5]}")
    answers: dict[str, dict[str, list[str]]] = {}
    for q, cells in raw.items():
        kind = specs.get(q, {}).get("type")
        keys = list(cells)
        if kind == "multi":
            answers[q] = dict(zip(keys, _split_multi([cells[k] for k in keys])))
        elif kind == "single":
            answers[q] = {k: [_clean(cells[k])] for k in keys}
        else:
            answers[q] = {k: [] for k in keys}
    return status, answers, texts


def read_2020(path: Path, who: pd.DataFrame, label: str = "opendata2020_answers"):
    """Statuses, answers, question texts, file option order and code repairs of the 2020 wave."""
    wave = "2020"
    rows = _read_csv(path, "utf-8", label)
    if len(rows) < 3 or rows[0][:3] != HEADER_2020:
        raise BuildError(f"{label}: the first columns {rows[0][:3] if rows else []} differ from {HEADER_2020}")
    h1, h2 = rows[0], rows[1]
    if len(h2) != len(h1):
        raise BuildError(f"{label}: the two header rows have {len(h1)} and {len(h2)} fields")
    groups: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    current = None
    for j in range(3, len(h1)):
        if h1[j].strip():
            m = re.match(r"^\s*\[(No\.\d+)\](.*)$", h1[j], flags=re.S)
            if not m:
                raise BuildError(f"{label}: header cell {j + 1} {h1[j][:30]!r} does not start with [No.<n>]")
            current = m.group(1)
            if current in groups:
                raise BuildError(f"{label}: question {current} appears twice in the header")
            groups[current], texts[current] = [], m.group(2).strip()
        elif current is None:
            raise BuildError(f"{label}: header cell {j + 1} is blank before the first question")
        groups[current].append(j)
    bad = [i + 1 for i, r in enumerate(rows[2:], start=2) if len(r) != len(h1)]
    if bad:
        raise BuildError(f"{label}: line(s) {bad[:5]} do not have {len(h1)} fields")
    specs = questionnaire()["questions"][wave]
    statuses = questionnaire()["waves"][wave]["statuses"]
    by_code = who.set_index("code")
    by_name = {(p, n): c for c, p, n in zip(who["code"], who["prefecture"], who["name"])}
    by_full = {_full_name(p, n, lv): c for c, p, n, lv in zip(who["code"], who["prefecture"], who["name"], who["level"])}
    for v, canon in codes.NAME_VARIANTS.items():
        for (p, n), c in list(by_name.items()):
            if n == canon:
                by_full[f"{p} {v}"] = c
    status: dict[str, str] = {}
    repairs: list[dict] = []
    answers: dict[str, dict[str, list[str]]] = {q: {} for q in groups}
    order = {q: [h2[j].strip() for j in js] for q, js in groups.items() if specs.get(q, {}).get("type") != "free"}
    for i, r in enumerate(rows[2:], start=3):
        c6, name = r[0].strip(), r[1].strip()
        if not codes.is_valid_code(c6.zfill(6)):
            raise BuildError(f"{label}, line {i}: code {r[0]!r} is not a valid 団体コード")
        c6 = c6.zfill(6)
        b = by_code.loc[c6] if c6 in by_code.index else None
        if b is None or _full_name(b["prefecture"], b["name"], b["level"]) != name and not (
                b["level"] == "municipality" and name.startswith(b["prefecture"] + " ")
                and _same_name(name[len(b["prefecture"]) + 1:], b["name"])):
            fixed = by_full.get(name)
            if fixed is None:
                raise BuildError(f"{label}, line {i}: code {c6} ({'unknown' if b is None else b['name']}) does not "
                                 f"match the name {name!r}, and no body of the code list has that name")
            repairs.append({"line": i, "name": name, "published_code": c6, "code": fixed,
                            "published_code_name": None if b is None else _full_name(b["prefecture"], b["name"], b["level"])})
            c6 = fixed
        if c6 in status:
            raise BuildError(f"{label}: code {c6} appears twice after repairs")
        if r[2] not in statuses:
            raise BuildError(f"{label}, line {i}: status {r[2]!r} is not one of {statuses}")
        status[c6] = r[2]
        any_answer = False
        for q, js in groups.items():
            kind = specs.get(q, {}).get("type")
            cells = [r[j] for j in js]
            if kind == "free":
                if any(c.strip() for c in cells):
                    answers[q][c6] = []
                    any_answer = True
                continue
            odd = [c for c in cells if c.strip() not in ("", CHOSEN_2020)]
            if odd:
                raise BuildError(f"{label}, line {i}, {q}: cell {odd[0][:20]!r} is neither empty nor {CHOSEN_2020}")
            chosen = [h2[j].strip() for j, c in zip(js, cells) if c.strip() == CHOSEN_2020]
            if chosen:
                answers[q][c6] = chosen
                any_answer = True
        if r[2] != statuses[0] and any_answer:
            raise BuildError(f"{label}, line {i}: {name} is {r[2]} but has answers")
    missing = sorted(set(who["code"]) - set(status))
    if missing:
        raise BuildError(f"{label}: {len(missing)} bodies missing after repairs, e.g. {missing[:5]}")
    return status, answers, texts, order, repairs


# ------------------------------------------------------------------------------ build


def _wave_frames(wave: str, status, answers, texts, who: pd.DataFrame, order=None):
    q = questionnaire()
    info = q["waves"][wave]
    survey_rows, question_rows = _answers_frame(wave, answers, status, texts, order)
    answered = {c for (c, *_rest) in survey_rows}
    # a body without any answer row (non-respondents) keeps one row: its status, no question
    survey_rows += [(c, None, None, None, None, None) for c in status if c not in answered]
    df = pd.DataFrame(survey_rows, columns=["code", "question_id", "question_type", "option_order", "option",
                                            "option_label"])
    df["status"] = df["code"].map(status)
    df["wave"] = wave
    df["reference_period"] = info["reference_period"]
    df["source"] = info["source"]
    df["level"] = df["code"].map(dict(zip(who["code"], who["level"])))
    qn = {qid: i for i, qid in enumerate(q["questions"][wave], start=1)}
    df["_qn"] = df["question_id"].map(qn)
    return df, pd.DataFrame(question_rows)


def build_opendata(paths: dict[str, Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables: (``opendata_survey``, ``opendata_questions``)."""
    q = questionnaire()
    who = bodies(codes.read_code_list(paths["code_list"]))
    s24, a24, t24 = read_2024(paths[q["waves"]["2024"]["source"]], who)
    s20, a20, t20, o20, _ = read_2020(paths[q["waves"]["2020"]["source"]], who)
    f20, q20 = _wave_frames("2020", s20, a20, t20, who, o20)
    f24, q24 = _wave_frames("2024", s24, a24, t24, who)
    survey = pd.concat([f20, f24], ignore_index=True)
    survey = survey.sort_values(["wave", "code", "_qn", "option_order"], na_position="first", ignore_index=True)
    survey = survey.drop(columns="_qn")
    statuses = q["waves"]["2024"]["statuses"]
    survey["status"] = pd.Categorical(survey["status"], categories=statuses, ordered=True)
    survey["level"] = pd.Categorical(survey["level"], categories=["prefecture", "municipality"])
    survey["question_type"] = pd.Categorical(survey["question_type"], categories=["single", "multi", "free"])
    survey["option_order"] = survey["option_order"].astype("Int16")
    for c in ("code", "wave", "question_id", "option", "option_label", "reference_period", "source"):
        survey[c] = survey[c].astype("string")
    questions = pd.concat([q20, q24], ignore_index=True)
    questions["question_type"] = pd.Categorical(questions["question_type"], categories=["single", "multi", "free"])
    for c in ("option_order", "question_number"):
        questions[c] = questions[c].astype("Int16")
    for c in ("chosen", "respondents", "submitted"):
        questions[c] = questions[c].astype("int64")
    for c in ("wave", "question_id", "label", "topic", "question_text", "option", "option_label",
              "comparable_topic", "wording"):
        questions[c] = questions[c].astype("string")
    return survey[SURVEY_COLUMNS], questions[QUESTION_COLUMNS]


def repairs_2020(paths: dict[str, Path]) -> list[dict]:
    """The code repairs the 2020 reader makes (each: line, name, published_code, code, …)."""
    who = bodies(codes.read_code_list(paths["code_list"]))
    return read_2020(paths[questionnaire()["waves"]["2020"]["source"]], who)[4]


def normalise_option(text: str) -> str:
    """Option text for comparing waves: NFKC, no spaces (「11～50」 = 「11〜50」)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
