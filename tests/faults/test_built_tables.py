"""Fault 1: a corrupted built table is noticed, rebuilt from the verified raw files, or
refused with a clear message — never used silently (issue 13)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from jdxlib import _build
from jdxlib.cli import main

pytestmark = pytest.mark.mirror

LOAD = (
    "import jdxlib; df = jdxlib.load('prefectures'); "
    "print('ROWS', len(df), int(df['population'].sum()) if 'population' in df else 0)"
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch, mirror):
    """A private JDX_DATA_DIR with prefectures built from the mirror."""
    d = tmp_path / "data"
    monkeypatch.setenv("JDX_DATA_DIR", str(d))
    monkeypatch.setenv("JDX_DATA_MIRROR", str(mirror))
    _build.forget_verified()
    _build.build(["prefectures"], progress=False)
    yield d
    _build.forget_verified()


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _flip(path, keep_mtime=True):
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    if keep_mtime:  # the hostile case: same size, same modification time
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _python(code, env=None):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_build_records_each_tables_sha256(data_dir):
    table = data_dir / "clean" / "prefectures.parquet"
    sums = (data_dir / "clean" / "SHA256SUMS").read_text().splitlines()
    assert f"{_sha(table)}  prefectures.parquet" in sums


def test_flipped_byte_is_rebuilt_before_use(data_dir):
    table = data_dir / "clean" / "prefectures.parquet"
    good = table.read_bytes()
    expected = _python(LOAD)
    assert expected.returncode == 0, expected.stderr
    _flip(table)
    res = _python(LOAD)  # a new process: verifies once, rebuilds, then reads
    assert res.returncode == 0, res.stderr
    assert "does not match the sha256 recorded when it was built" in res.stderr
    assert "rebuilding" in res.stderr
    assert res.stdout == expected.stdout
    assert table.read_bytes() == good


def test_truncated_table_is_rebuilt_not_arrow_invalid(data_dir):
    table = data_dir / "clean" / "prefectures.parquet"
    good = table.read_bytes()
    table.write_bytes(good[: len(good) // 3])
    res = _python(LOAD)
    assert res.returncode == 0, res.stderr
    assert "ArrowInvalid" not in res.stderr
    assert table.read_bytes() == good


def test_corrupted_table_without_raw_files_stops_with_a_clear_message(data_dir, tmp_path):
    import shutil

    table = data_dir / "clean" / "prefectures.parquet"
    _flip(table)
    shutil.rmtree(data_dir / "raw")
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    res = _python(LOAD, env={"JDX_DATA_MIRROR": str(empty)})
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert "prefectures.parquet does not match the sha256 recorded when it was built" in res.stderr, res.stderr
    assert "could not be rebuilt" in res.stderr, res.stderr
    assert "ROWS" not in res.stdout
    assert "ArrowInvalid" not in last


def test_data_status_and_build_notice_corruption(data_dir):
    table = data_dir / "clean" / "prefectures.parquet"
    good = table.read_bytes()
    _flip(table)
    _build.forget_verified()  # as in a new `jdx data status` process
    res = CliRunner().invoke(main, ["data", "status"])
    assert res.exit_code == 0
    line = next(l for l in res.output.splitlines() if l.strip().startswith("prefectures"))
    assert "CORRUPTED" in line and "jdx data build" in line, line
    res = CliRunner().invoke(main, ["data", "build", "prefectures", "-q"])
    assert res.exit_code == 0, res.output
    assert "up to date" not in res.output
    assert "rebuilt" in res.output and "prefectures.parquet" in res.output
    assert table.read_bytes() == good
    res = CliRunner().invoke(main, ["data", "status"])
    line = next(l for l in res.output.splitlines() if l.strip().startswith("prefectures"))
    assert "built" in line and "verified" in line, line


def test_table_without_a_recorded_sum_is_rebuilt(data_dir):
    (data_dir / "clean" / "SHA256SUMS").unlink()
    _build.forget_verified()
    assert not _build.is_built("prefectures")
    assert "no sha256 recorded" in _build.problem("prefectures")


def test_report_rebuilds_a_corrupted_table_before_any_worker_starts(data_dir, capsys):
    from jdxlib.report import cli as report_cli

    _build.build(progress=False)  # everything, as `jdx report` needs
    table = data_dir / "clean" / "mynumber_cards.parquet"
    good = table.read_bytes()
    _flip(table)
    _build.forget_verified()
    report_cli._ensure_data()
    err = capsys.readouterr().err
    assert "mynumber_cards.parquet does not match the sha256 recorded when it was built" in err
    assert table.read_bytes() == good
