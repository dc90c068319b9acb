"""Upstream-file registry, download, verification, cache and mirrors (synthetic files).

Every test uses a temporary JDX_DATA_DIR; HTTP tests serve files from 127.0.0.1 with
http.server in a thread, which exercises the real pooch download path.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import re
import socket
import threading
from pathlib import Path

import pytest

from jdxlib import sources
from jdxlib.sources import ChecksumError, DataUnavailableError, SourceFile, UnknownSourceError

FAKE = "架空市,テスト\n1,2\n".encode("utf-8") * 50


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file(fid: str, path: str, data: bytes, sha: str | None = None) -> SourceFile:
    return SourceFile(
        id=fid, group="fake", title="架空データ", publisher="架空省", owner="fake-owner",
        repo="fake-repo", commit="0" * 40, path=path, sha256=sha or _sha(data),
        official_url="https://example.invalid/", licence="CC0", credit="架空省", reference_date="not stated",
    )


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Temporary data dir, no mirror, and a one-file registry whose bytes are in a mirror dir."""
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JDX_DATA_MIRROR", raising=False)
    mirror = tmp_path / "mirror"
    src = _file("fake_csv", "dir/架空 データ.csv", FAKE)
    target = mirror / src.relpath
    target.parent.mkdir(parents=True)
    target.write_bytes(FAKE)
    reg = {src.id: src}
    monkeypatch.setattr(sources, "registry", lambda: reg)
    return {"mirror": mirror, "reg": reg, "src": src, "tmp": tmp_path}


class _Server:
    """http.server on 127.0.0.1 in a thread, serving *root*; optional truncating handler."""

    def __init__(self, root: Path, truncate: bool = False):
        handler = functools.partial(_TruncatingHandler if truncate else _QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class _TruncatingHandler(_QuietHandler):
    """Announces the full length, sends half the bytes, then drops the connection."""

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


def _leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


# ----------------------------------------------------------------------------- registry

def test_registry_lists_every_file_with_provenance():
    reg = sources.registry()
    assert len(sources.mynumber_snapshots()) == 46
    assert len(sources.ids("mynumber")) == 46 * 3 + 1
    for f in reg.values():
        assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), f.id
        assert re.fullmatch(r"[0-9a-f]{40}", f.commit), f.id
        assert f.official_url.startswith("https://") and f.credit and f.licence and f.reference_date
        assert f.url.startswith(f"https://raw.githubusercontent.com/{f.owner}/{f.repo}/{f.commit}/")
    snap = sources.get("mynumber_20210801_all_localgovs")
    assert snap.path == "static/data/20210801/all_localgovs.csv"
    assert snap.reference_date == "2021-08-01"


@pytest.mark.mirror
def test_registry_matches_mirror_checksums(mirror):
    sums = dict(
        (line.split(None, 1)[1].strip(), line.split(None, 1)[0])
        for line in (mirror / "SHA256SUMS").read_text().splitlines() if line.strip()
    )
    reg = sources.registry()
    assert {f.relpath: f.sha256 for f in reg.values()} == sums


def test_url_is_percent_encoded():
    f = sources.get("dashboard_municipal_status")
    assert "%E5%B8%82" in f.url and "市" not in f.url
    assert f.url_from("http://m.example/base/").startswith("http://m.example/base/github/onodso/")


def test_unknown_file_id_suggests():
    with pytest.raises(UnknownSourceError, match="Did you mean 'code_list'"):
        sources.get("code_lst")


# ----------------------------------------------------------------------------- directory mirror

def test_directory_mirror_copies_and_verifies(env, monkeypatch):
    monkeypatch.setenv("JDX_DATA_MIRROR", str(env["mirror"]))
    path = sources.fetch("fake_csv")
    assert path == env["src"].cache_path and path.read_bytes() == FAKE
    assert str(path).startswith(str(env["tmp"] / "data" / "raw" / "github"))
    # once cached, the mirror is no longer needed
    monkeypatch.delenv("JDX_DATA_MIRROR")
    assert sources.fetch("fake_csv") == path


def test_directory_mirror_checksum_mismatch(env, monkeypatch):
    bad = _file("fake_csv", env["src"].path, FAKE, sha="a" * 64)
    monkeypatch.setattr(sources, "registry", lambda: {"fake_csv": bad})
    monkeypatch.setenv("JDX_DATA_MIRROR", str(env["mirror"]))
    with pytest.raises(ChecksumError) as exc:
        sources.fetch("fake_csv")
    msg = str(exc.value)
    assert "'fake_csv'" in msg and "a" * 64 in msg and _sha(FAKE) in msg
    assert _leftovers(env["tmp"] / "data") == []


def test_corrupted_cache_is_replaced(env, monkeypatch):
    monkeypatch.setenv("JDX_DATA_MIRROR", str(env["mirror"]))
    path = sources.fetch("fake_csv")
    path.write_bytes(b"tampered")
    assert sources.fetch("fake_csv").read_bytes() == FAKE


def test_directory_mirror_missing_file(env, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("JDX_DATA_MIRROR", str(empty))
    with pytest.raises(DataUnavailableError, match="missing from the directory mirror"):
        sources.fetch("fake_csv")


def test_bad_mirror_setting(env, monkeypatch, tmp_path):
    monkeypatch.setenv("JDX_DATA_MIRROR", str(tmp_path / "nope"))
    with pytest.raises(DataUnavailableError, match="neither an existing directory nor an http"):
        sources.fetch("fake_csv")


# ----------------------------------------------------------------------------- HTTP (pooch)

def test_http_mirror_download(env, monkeypatch):
    with _Server(env["mirror"]) as srv:
        monkeypatch.setenv("JDX_DATA_MIRROR", srv.url)
        path = sources.fetch("fake_csv")
    assert path.read_bytes() == FAKE
    assert [p.name for p in _leftovers(path.parent)] == [path.name]


def test_http_checksum_mismatch_names_file_expected_actual(env, monkeypatch):
    bad = _file("fake_csv", env["src"].path, FAKE, sha="b" * 64)
    monkeypatch.setattr(sources, "registry", lambda: {"fake_csv": bad})
    with _Server(env["mirror"]) as srv:
        monkeypatch.setenv("JDX_DATA_MIRROR", srv.url)
        with pytest.raises(ChecksumError) as exc:
            sources.fetch("fake_csv")
    msg = str(exc.value)
    assert "'fake_csv'" in msg and "b" * 64 in msg and _sha(FAKE) in msg
    assert _leftovers(env["tmp"] / "data") == []  # the bad bytes are not kept


def test_interrupted_download_is_never_used(env, monkeypatch):
    with _Server(env["mirror"], truncate=True) as srv:
        monkeypatch.setenv("JDX_DATA_MIRROR", srv.url)
        with pytest.raises((DataUnavailableError, ChecksumError)):
            sources.fetch("fake_csv")
    assert not env["src"].cache_path.exists()
    assert _leftovers(env["tmp"] / "data") == []  # no partial / temporary file left behind


def test_offline_without_mirror_says_how_to_get_the_data(env, monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there: connection refused, like being offline
    monkeypatch.setattr(sources, "GITHUB_RAW", f"http://127.0.0.1:{port}")
    with pytest.raises(DataUnavailableError) as exc:
        sources.fetch_all(["fake_csv"], progress=False)
    msg = str(exc.value)
    assert "JDX_DATA_MIRROR" in msg
    assert env["src"].url in msg and str(env["src"].cache_path) in msg
    assert _leftovers(env["tmp"] / "data") == []


@pytest.mark.mirror
def test_real_mirror_over_http(mirror, tmp_path, monkeypatch):
    """The real upstream layout served over HTTP: non-ASCII paths, pooch download, sha256."""
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path))
    ids = ["code_list", "dashboard_municipal_status", "mynumber_20210801_all_localgovs"]
    with _Server(mirror) as srv:
        monkeypatch.setenv("JDX_DATA_MIRROR", srv.url)
        paths = sources.fetch_all(ids, progress=False)
    for fid, path in paths.items():
        assert sources.sha256_of(path) == sources.get(fid).sha256
        assert path == tmp_path / "raw" / sources.get(fid).relpath
