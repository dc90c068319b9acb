"""``manifest.json`` and ``index.html`` of a report run, and the input checksums.

``<out>/<run>/manifest.json`` records, for every report: its notebook (and sha256), the
parameters, the input datasets with their sha256, the output files with their sha256, the
status (``ok``, ``skipped`` = up to date, ``failed``), the duration, the error and failing
cell of a failed report, and the fingerprint used to skip up-to-date reports.  Tool
versions are recorded once per run.  No timestamps: two runs over the same inputs give the
same manifest apart from durations.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.parse
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .._atomic import write_text
from .._paths import NATIONAL_DIR, PACKAGE_DIR, clean_dir

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
SCHEMA = 1


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- inputs
_LOAD_CALL = re.compile(
    r"""\b(?:load|describe|load_dataset)\(\s*(?:name\s*=\s*)?["']([A-Za-z0-9_]+)["']"""
)


def _known_datasets() -> set[str] | None:
    try:
        from .. import list_datasets

        return set(list_datasets())
    except Exception:  # pragma: no cover - registry broken: take every name
        return None


def datasets_used(nb: dict) -> list[str]:
    """Dataset names a notebook loads: ``load("x")`` / ``describe("x")`` calls in its code
    cells, plus ``metadata.jdx.datasets`` when the notebook declares them."""
    names: set[str] = set()
    declared = (nb.get("metadata", {}).get("jdx") or {}).get("datasets") or []
    names.update(d if isinstance(d, str) else d.get("name", "") for d in declared)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        names.update(_LOAD_CALL.findall(src))
    known = _known_datasets()
    names.discard("")
    if known is not None:
        names &= known
    return sorted(names)


def dataset_files(name: str) -> list[Path]:
    """The files a dataset is made from: its metadata record and its data files.

    Uses ``jdxlib._datasets.dataset_files(name)`` when the registry provides it; otherwise
    ``jdxlib/metadata/<name>.yml`` plus ``<name>.*`` and ``<name>/**`` under
    ``data/national/`` and the clean-data folder.
    """
    try:
        from .. import _datasets

        hook = getattr(_datasets, "dataset_files", None)
        if callable(hook):
            return sorted(Path(p) for p in hook(name))
    except Exception:  # pragma: no cover
        pass
    files: list[Path] = []
    meta = PACKAGE_DIR / "metadata" / f"{name}.yml"
    if meta.is_file():
        files.append(meta)
    for root in (NATIONAL_DIR, clean_dir()):
        if not root.is_dir():
            continue
        files += [p for p in root.glob(f"{name}.*") if p.is_file()]
        sub = root / name
        if sub.is_dir():
            files += [p for p in sub.rglob("*") if p.is_file()]
    return sorted(set(files))


@lru_cache(maxsize=None)
def _dataset_record_cached(name: str, stamp: tuple) -> dict[str, Any]:
    files = dataset_files(name)
    per_file = {}
    for p in files:
        try:
            per_file[_display_path(p)] = sha256_file(p)
        except OSError:
            continue
    combined = hashlib.sha256(
        json.dumps(sorted(per_file.items()), ensure_ascii=False).encode()
    ).hexdigest()
    return {"name": name, "sha256": combined if per_file else None, "files": per_file}


def dataset_record(name: str) -> dict[str, Any]:
    """``{"name", "sha256", "files": {path: sha256}}`` for one input dataset (cached per
    process while the files' sizes and modification times stay the same)."""
    stamp = []
    for p in dataset_files(name):
        try:
            st = p.stat()
            stamp.append((str(p), st.st_size, st.st_mtime_ns))
        except OSError:
            pass
    return _dataset_record_cached(name, tuple(stamp))


def dataset_header(name: str) -> dict[str, Any]:
    """Title, reference dates and credit line of a dataset for the report header."""
    try:
        from .. import describe

        meta = describe(name)
        return {
            "name": name,
            "title": meta.title,
            "reference_dates": list(meta.reference_dates),
            "credit": meta.credit_line,
        }
    except Exception:
        return {"name": name, "title": name, "reference_dates": [], "credit": ""}


def _display_path(p: Path) -> str:
    from .._paths import PROJECT_ROOT

    # The same display in a checkout and in an installed wheel (data/national/…, jdxlib/…).
    for root in (PROJECT_ROOT, PACKAGE_DIR.parent):
        try:
            return str(Path(p).resolve().relative_to(root))
        except ValueError:
            continue
    return str(p)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over jdxlib's source, templates and metadata: a change re-runs reports."""
    h = hashlib.sha256()
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in (
            ".py", ".j2", ".json", ".yml", ".yaml", ".css", ".csv",
        ):
            h.update(str(p.relative_to(PACKAGE_DIR)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- manifest
def load_manifest(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("reports"), list):
        return None
    return data


def previous_entries(run_dir: Path) -> dict[str, dict]:
    data = load_manifest(run_dir) or {}
    return {r["name"]: r for r in data.get("reports", []) if isinstance(r, dict) and "name" in r}


def outputs_intact(run_dir: Path, entry: dict) -> bool:
    """True when every output file of *entry* exists with the recorded sha256."""
    outputs = entry.get("outputs") or {}
    if not outputs:
        return False
    for rec in outputs.values():
        path = Path(run_dir) / rec.get("path", "")
        if not path.is_file() or sha256_file(path) != rec.get("sha256"):
            return False
    return True


class WriteError(OSError):
    """A run file (manifest, index) could not be written; the message names it."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


def _write(path: Path, text: str) -> None:
    try:
        write_text(path, text)
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from None


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(run_dir) / MANIFEST_NAME
    _write(path, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    return path


def build_manifest(
    run: str, entries: Iterable[dict], tool_versions: dict[str, str], notebooks_dir: str
) -> dict[str, Any]:
    reports = list(entries)
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    for r in reports:
        counts[r.get("status", "failed")] = counts.get(r.get("status", "failed"), 0) + 1
    return {
        "schema": SCHEMA,
        "run": run,
        "notebooks_dir": notebooks_dir,
        "tool_versions": tool_versions,
        "summary": counts,
        "reports": reports,
    }


# --------------------------------------------------------------------------- index.html
_INDEX_CSS = """
body { font-family: "IPAexGothic", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo",
  sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { color: #1f4e79; font-size: 1.6em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f6f9; }
tr.group th { background: #e3ebf3; color: #1f4e79; }
.failed { color: #b00020; font-weight: bold; }
.ok, .skipped { color: #2e7d32; }
code { font-size: 0.9em; }
"""


def _link(path: str, label: str) -> str:
    href = urllib.parse.quote(path)
    return f'<a href="{html.escape(href)}">{html.escape(label)}</a>'


def render_index(manifest: dict[str, Any]) -> str:
    """A self-contained, offline ``index.html`` linking every report with its parameters."""
    from ._order import index_groups  # themes 00 → 10, then profiles grouped by prefecture

    run = manifest.get("run", "")
    rows = []
    ordered = [(group, r) for group, reports in index_groups(manifest.get("reports", [])) for r in reports]
    for i, (group, r) in enumerate(ordered):
        if group and (i == 0 or ordered[i - 1][0] != group):
            rows.append(f'<tr class="group"><th colspan="4">{html.escape(group)}</th></tr>')
        params = r.get("parameter_labels") or r.get("parameters") or {}
        ptxt = "<br>".join(
            f"<code>{html.escape(str(k))}</code> = {html.escape(str(v))}" for k, v in params.items()
        ) or "（既定値）"
        links = " · ".join(
            _link(rec["path"], fmt.upper()) for fmt, rec in (r.get("outputs") or {}).items()
        )
        status = r.get("status", "")
        label = {"ok": "成功", "skipped": "最新（再実行なし）", "failed": "失敗"}.get(status, status)
        err = ""
        if status == "failed" and r.get("error"):
            e = r["error"]
            cell = f"セル {e['cell_index']} " if e.get("cell_index") is not None else ""
            err = f"<br><small>{html.escape(cell + (e.get('ename') or '') + ': ' + (e.get('evalue') or ''))}</small>"
        rows.append(
            "<tr>"
            f"<td>{html.escape(r.get('title') or r.get('name', ''))}<br><small><code>{html.escape(r.get('name', ''))}</code></small></td>"
            f"<td>{ptxt}</td>"
            f"<td class=\"{html.escape(status)}\">{html.escape(label)}{err}</td>"
            f"<td>{links}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="4">レポートはありません。</td></tr>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>jdx レポート一覧 — {html.escape(run)}</title>\n"
        f"<style>{_INDEX_CSS}</style>\n</head>\n<body>\n"
        f"<h1>jdx レポート一覧 <small>({html.escape(run)})</small></h1>\n"
        "<table>\n<thead><tr><th>レポート</th><th>パラメータ</th><th>状態</th><th>ファイル</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>\n"
        "<p><small>詳細（入力データの sha256、ツールのバージョン）は "
        f"{_link(MANIFEST_NAME, MANIFEST_NAME)} にあります。</small></p>\n"
        "</body>\n</html>\n"
    )


def write_index(run_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(run_dir) / INDEX_NAME
    _write(path, render_index(manifest))
    return path
