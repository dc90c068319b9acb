"""Give committed notebooks stable cell ids (nbformat 4.5), so re-runs are byte-identical.

A notebook in nbformat 4.4 has no cell ids; every tool that reads it (papermill, nbclient,
nbconvert) then invents random ones, and two runs of one report differ.  This tool upgrades
every notebook under ``notebooks/`` (or the paths given) to nbformat 4.5:

- a cell that already has a valid, unique id keeps it;
- any other cell gets an id derived from its type and source (``c-`` + 12 hex digits of a
  sha256), with ``-2``, ``-3`` … for repeated identical cells — the same notebook always gets
  the same ids, wherever the cell sits, so re-running the tool after a merge changes nothing
  but the new cells.

Nothing else in the file changes (the output is what ``nbformat.writes`` produces, as when
the notebooks are saved by Jupyter).  Dev-time only.

Usage::

    .venv/bin/python tools/notebook_ids.py            # upgrade notebooks/**/*.ipynb in place
    .venv/bin/python tools/notebook_ids.py --check    # exit 1 listing notebooks to upgrade
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: nbformat 4.5's rule for a cell id.
VALID_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def derived_id(cell: dict, taken: set[str]) -> str:
    """A deterministic id for *cell* from its type and source, not in *taken*."""
    digest = hashlib.sha256(f"{cell.get('cell_type', '')}\0{_source(cell)}".encode()).hexdigest()
    base = f"c-{digest[:12]}"
    cid, n = base, 1
    while cid in taken:
        n += 1
        cid = f"{base}-{n}"
    return cid


def with_ids(nb: dict) -> dict:
    """*nb* (a notebook as JSON) upgraded to nbformat 4.5 with stable ids; changed in place."""
    if nb.get("nbformat") != 4:
        raise ValueError(f"nbformat {nb.get('nbformat')} is not supported (4 only)")
    nb["nbformat_minor"] = max(5, int(nb.get("nbformat_minor", 0)))
    cells = nb.get("cells", [])
    taken: set[str] = set()
    keep: list[bool] = []
    for cell in cells:  # existing valid ids win, in order; a repeated one is replaced
        cid = cell.get("id")
        ok = isinstance(cid, str) and bool(VALID_ID.match(cid)) and cid not in taken
        keep.append(ok)
        if ok:
            taken.add(cid)
    for cell, ok in zip(cells, keep):
        if not ok:
            cell["id"] = derived_id(cell, taken)
            taken.add(cell["id"])
    return nb


def render(nb: dict) -> str:
    """The file text, as Jupyter / nbformat writes it."""
    import nbformat

    node = nbformat.from_dict(nb)
    nbformat.validate(node)
    return nbformat.writes(node) + "\n"


def needs_upgrade(nb: dict) -> bool:
    ids = [c.get("id") for c in nb.get("cells", [])]
    return (
        int(nb.get("nbformat_minor", 0)) < 5
        or any(not (isinstance(i, str) and VALID_ID.match(i)) for i in ids)
        or len(set(ids)) != len(ids)
    )


def notebooks(paths: list[str]) -> list[Path]:
    roots = [Path(p) for p in paths] or [PROJECT_ROOT / "notebooks"]
    out: list[Path] = []
    for root in roots:
        if root.is_dir():
            out += sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            out.append(root)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 if any needs upgrading")
    args = ap.parse_args(argv)
    stale = []
    for path in notebooks(args.paths):
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if not needs_upgrade(nb):
            continue
        stale.append(path)
        if not args.check:
            path.write_text(render(with_ids(nb)), encoding="utf-8")
            print(f"upgraded {path}")
    if args.check and stale:
        for p in stale:
            print(f"needs stable cell ids (nbformat 4.5): {p}", file=sys.stderr)
        print("run: .venv/bin/python tools/notebook_ids.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
