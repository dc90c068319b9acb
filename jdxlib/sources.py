"""Upstream files: registry, download, checksum verification, cache.

Every file jdx builds from is listed in ``jdxlib/sources.yml`` with a pinned public GitHub URL
(``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``) and its sha256.
:func:`fetch` returns the path of a verified local copy, downloading it (with :mod:`pooch`)
into the cache :func:`jdxlib._paths.raw_dir` the first time.

``JDX_DATA_MIRROR`` replaces the internet:

* a **directory** laid out as ``{dir}/github/{owner}/{repo}/{commit}/{path}``: the file is
  copied into the cache and verified;
* an **http(s) base URL** serving ``{base}/github/{owner}/{repo}/{commit}/{path}``: the file is
  downloaded from there by pooch and verified.

The cache uses the same layout (``raw/github/...``), so a filled cache is itself a valid
directory mirror.  A file whose checksum does not match is never used: pooch downloads to a
temporary file beside the target and moves it into place only after verification, and mirror
copies go through :func:`jdxlib._atomic.atomic_path` the same way.

Examples
--------
>>> from jdxlib import sources
>>> sources.get("code_list").url                       # doctest: +ELLIPSIS
'https://raw.githubusercontent.com/yhay81/jichitai-code/61f9b.../public/data/index.json'
>>> path = sources.fetch("code_list")                  # doctest: +SKIP
"""
from __future__ import annotations

import difflib
import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

import yaml

from ._atomic import atomic_path
from ._paths import PACKAGE_DIR, absolute, raw_dir

#: Where the pinned files are served from when no mirror is configured.
GITHUB_RAW = "https://raw.githubusercontent.com"
MIRROR_ENV = "JDX_DATA_MIRROR"
REGISTRY_PATH = PACKAGE_DIR / "sources.yml"

__all__ = [
    "SourceFile",
    "SourceError",
    "UnknownSourceError",
    "ChecksumError",
    "DataUnavailableError",
    "registry",
    "get",
    "ids",
    "mirror",
    "fetch",
    "fetch_all",
    "sha256_of",
]


class SourceError(RuntimeError):
    """Base class of the errors raised while obtaining upstream files."""


class UnknownSourceError(SourceError, KeyError):
    """A file id that is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0])


class ChecksumError(SourceError):
    """A downloaded or mirrored file does not have the registered sha256."""

    def __init__(self, file_id: str, location: str, expected: str, actual: str):
        self.file_id, self.location, self.expected, self.actual = file_id, location, expected, actual
        super().__init__(
            f"Checksum mismatch for upstream file {file_id!r} ({location}): "
            f"expected sha256 {expected}, got {actual}. The file was not used and nothing "
            f"was built from it. If you use a mirror ({MIRROR_ENV}), refresh its copy of the file; "
            f"otherwise retry the download (the pinned URL may have been served incompletely)."
        )


class DataUnavailableError(SourceError):
    """An upstream file could not be obtained (offline, mirror missing a file, ...)."""


@dataclass(frozen=True)
class SourceFile:
    """One upstream file of the registry."""

    id: str
    group: str
    title: str
    publisher: str
    owner: str
    repo: str
    commit: str
    path: str
    sha256: str
    official_url: str
    licence: str
    credit: str
    reference_date: str
    encoding: str = "utf-8"
    used: bool = True

    @property
    def relpath(self) -> str:
        """``github/<owner>/<repo>/<commit>/<path>``: the layout of mirrors and of the cache."""
        return f"github/{self.owner}/{self.repo}/{self.commit}/{self.path}"

    @property
    def url(self) -> str:
        """The pinned public URL (path percent-encoded)."""
        return self.url_from(GITHUB_RAW, github_layout=False)

    def url_from(self, base: str, *, github_layout: bool = True) -> str:
        quoted = quote(self.path, safe="/")
        prefix = f"{base.rstrip('/')}/github" if github_layout else base.rstrip("/")
        return f"{prefix}/{self.owner}/{self.repo}/{self.commit}/{quoted}"

    @property
    def cache_path(self) -> Path:
        """Where the verified copy lives (under :func:`jdxlib._paths.raw_dir`)."""
        return raw_dir() / self.relpath


# --------------------------------------------------------------------------- registry

_FILE_FIELDS = set(SourceFile.__dataclass_fields__)


def _expand(raw: dict) -> dict[str, SourceFile]:
    out: dict[str, SourceFile] = {}

    def add(group: dict, spec: dict) -> None:
        merged = {k: v for k, v in group.items() if k in _FILE_FIELDS}
        merged.update({k: v for k, v in spec.items() if k in _FILE_FIELDS})
        merged["group"] = group["group"]
        merged.setdefault("reference_date", "not stated")
        merged = {k: (str(v) if k not in ("used",) else bool(v)) for k, v in merged.items()}
        missing = _FILE_FIELDS - set(merged) - {"encoding", "used"}
        if missing:
            raise ValueError(f"sources.yml: file {spec.get('id')!r} lacks {sorted(missing)}")
        if merged["id"] in out:
            raise ValueError(f"sources.yml: duplicate file id {merged['id']!r}")
        out[merged["id"]] = SourceFile(**merged)

    for group in raw["groups"]:
        snap = group.get("snapshots")
        if snap:
            for date, per_file in snap["sha256"].items():
                for name in snap["files"]:
                    fmt = {"date": str(date), "file": name}
                    add(group, {
                        "id": snap["id"].format(**fmt),
                        "path": snap["path"].format(**fmt),
                        "title": snap["title"].format(**fmt),
                        "sha256": per_file[name],
                        "reference_date": f"{date[:4]}-{date[4:6]}-{date[6:]}",
                    })
        for spec in group.get("files", []):
            add(group, spec)
    return out


@lru_cache(maxsize=1)
def registry() -> dict[str, SourceFile]:
    """Every upstream file, by id (parsed from ``jdxlib/sources.yml``)."""
    return _expand(yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8")))


def ids(group: str | None = None, *, used_only: bool = False) -> list[str]:
    """File ids, optionally of one group (``dashboard``, ``mynumber``, ``codes`` ...)."""
    return [
        f.id for f in registry().values()
        if (group is None or f.group == group) and (f.used or not used_only)
    ]


def get(file_id: str) -> SourceFile:
    """The registry entry of *file_id*; a clear error with close matches otherwise."""
    reg = registry()
    if file_id not in reg:
        close = difflib.get_close_matches(str(file_id), list(reg), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        groups = sorted({f.group for f in reg.values()})
        raise UnknownSourceError(
            f"Unknown upstream file id {file_id!r}.{hint} See jdxlib/sources.yml "
            f"({len(reg)} files in groups {', '.join(groups)}; `jdx data urls` lists them)."
        )
    return reg[file_id]


def mynumber_snapshots() -> list[str]:
    """The mynumber snapshot dates (``YYYYMMDD``), sorted."""
    return sorted({f.id.split("_")[1] for f in registry().values()
                   if f.group == "mynumber" and f.id.endswith("_all_localgovs")})


# --------------------------------------------------------------------------- fetching

def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mirror() -> tuple[str, str] | None:
    """``("dir", path)`` or ``("http", base_url)`` from ``JDX_DATA_MIRROR``, or None."""
    env = os.environ.get(MIRROR_ENV, "").strip()
    if not env:
        return None
    if env.startswith(("http://", "https://")):
        return ("http", env.rstrip("/"))
    path = absolute(env)  # a relative path: see jdxlib._paths (project root or import folder)
    if not path.is_dir():
        raise DataUnavailableError(
            f"{MIRROR_ENV}={env!r} ({path}) is neither an existing directory nor an http(s) URL. "
            f"Valid values: a directory laid out as <dir>/github/<owner>/<repo>/<commit>/<path> "
            f"(e.g. ../shared/data), or a base URL serving <base>/github/<owner>/<repo>/<commit>/<path>; "
            f"unset it to download from {GITHUB_RAW}."
        )
    return ("dir", str(path))


def _how_to_get(files: Iterable[SourceFile], limit: int = 8) -> str:
    files = list(files)
    lines = [
        f"  {f.url}\n    -> {f.cache_path}" for f in files[:limit]
    ]
    more = len(files) - limit
    if more > 0:
        lines.append(f"  ... and {more} more (`jdx data urls` prints every URL and destination)")
    return (
        f"To get the data either set {MIRROR_ENV} to a directory mirror laid out as "
        f"<dir>/github/<owner>/<repo>/<commit>/<path> (e.g. ../shared/data) or to an http(s) base "
        f"URL with the same layout, or download these files and put them at the paths shown "
        f"(they are verified by sha256):\n" + "\n".join(lines)
    )


def _short(exc: Exception, limit: int = 240) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + " …"


def _cached_ok(src: SourceFile) -> bool:
    path = src.cache_path
    return path.is_file() and sha256_of(path) == src.sha256


def _from_directory(src: SourceFile, root: str) -> Path:
    origin = Path(root) / src.relpath
    if not origin.is_file():
        raise DataUnavailableError(
            f"Upstream file {src.id!r} is missing from the directory mirror {MIRROR_ENV}={root}: "
            f"expected {origin}.\n" + _how_to_get([src])
        )
    target = src.cache_path
    with atomic_path(target) as tmp:
        shutil.copyfile(origin, tmp)
        actual = sha256_of(tmp)
        if actual != src.sha256:
            raise ChecksumError(src.id, str(origin), src.sha256, actual)
    return target


def _from_http(src: SourceFile, url: str, via_mirror: bool) -> Path:
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    recorded: dict[str, str] = {}
    http = pooch.HTTPDownloader(progressbar=False, timeout=60)

    def downloader(url_: str, output_file, pooch_obj) -> None:
        # pooch passes a temporary file beside the target; record its hash so a mismatch
        # can be reported with the actual sha256 (pooch deletes the temporary file).
        http(url_, output_file, pooch_obj)
        recorded["actual"] = sha256_of(output_file)

    target = src.cache_path
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{src.sha256}",
            fname=target.name,
            path=target.parent,
            downloader=downloader,
            progressbar=False,
        )
    except ValueError as exc:
        if "hash" in str(exc).lower():
            raise ChecksumError(src.id, url, src.sha256, recorded.get("actual", "unknown")) from None
        raise
    except (requests.exceptions.RequestException, OSError) as exc:
        where = f"the mirror {MIRROR_ENV}" if via_mirror else "the internet"
        raise DataUnavailableError(
            f"Could not download upstream file {src.id!r} from {where} ({url}): "
            f"{type(exc).__name__}: {_short(exc)}\n" + _how_to_get([src])
        ) from None
    return Path(path)


def fetch(file_id: str) -> Path:
    """Return the path of a verified local copy of upstream file *file_id*.

    Uses the cache when it holds a file with the registered sha256; otherwise copies it from a
    directory mirror or downloads it (mirror URL or the pinned GitHub URL).

    Raises
    ------
    UnknownSourceError
        *file_id* is not in the registry.
    ChecksumError
        The obtained bytes do not match the registered sha256 (the file is not kept).
    DataUnavailableError
        Offline, mirror missing the file, or bad ``JDX_DATA_MIRROR``; says how to get the data.
    """
    src = get(file_id)
    if _cached_ok(src):
        return src.cache_path
    mir = mirror()
    if mir and mir[0] == "dir":
        return _from_directory(src, mir[1])
    if mir and mir[0] == "http":
        return _from_http(src, src.url_from(mir[1]), via_mirror=True)
    return _from_http(src, src.url, via_mirror=False)


def fetch_all(file_ids: Iterable[str] | None = None, progress: bool = True,
              workers: int = 8) -> dict[str, Path]:
    """Fetch (verify, cache) several files -- by default every file the builds use.

    Returns ``{file_id: path}``.  Downloads run in a few threads; the first error is raised
    after the others finished (every file that could be verified stays cached).
    """
    wanted = list(file_ids) if file_ids is not None else ids(used_only=True)
    for fid in wanted:
        get(fid)  # unknown ids fail before anything is downloaded
    from tqdm import tqdm  # plain text bar: tqdm.auto wants ipywidgets inside notebooks

    out: dict[str, Path] = {}
    errors: list[Exception] = []
    bar = tqdm(total=len(wanted), desc="jdx: fetch upstream files", unit="file",
               disable=not progress, leave=False)
    try:
        todo = []
        for fid in wanted:  # cheap path first: files already cached and verified
            if _cached_ok(get(fid)):
                out[fid] = get(fid).cache_path
                bar.update(1)
            else:
                todo.append(fid)
        if todo:
            mir = mirror()  # validate JDX_DATA_MIRROR once, before starting threads
            n = 1 if (mir and mir[0] == "dir") else max(1, workers)
            with ThreadPoolExecutor(max_workers=n) as pool:
                futures = {fid: pool.submit(fetch, fid) for fid in todo}
                for fid, fut in futures.items():
                    try:
                        out[fid] = fut.result()
                    except Exception as exc:  # noqa: BLE001 - re-raised below
                        errors.append(exc)
                    bar.update(1)
    finally:
        bar.close()
    if errors:
        unavailable = [e for e in errors if isinstance(e, DataUnavailableError)]
        if len(unavailable) > 1 and len(unavailable) == len(errors):
            missing = [f for f in (get(i) for i in wanted) if f.id not in out]
            raise DataUnavailableError(
                f"{len(missing)} upstream file(s) could not be obtained; first error: "
                f"{str(unavailable[0]).splitlines()[0]}\n" + _how_to_get(missing)
            )
        raise errors[0]
    return {fid: out[fid] for fid in wanted}
