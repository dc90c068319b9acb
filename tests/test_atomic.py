import os
import stat

import pytest

from jdxlib._atomic import atomic_path, write_text


def test_success_replaces_and_uses_normal_permissions(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "新しい内容")
    assert target.read_text(encoding="utf-8") == "新しい内容"
    mode = stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_failure_leaves_old_file_and_no_partial(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
