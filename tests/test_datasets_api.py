import pytest

import jdxlib
from jdxlib._datasets import REQUIRED_FIELDS, _LOADERS
from jdxlib._paths import PACKAGE_DIR


def test_unknown_dataset_lists_valid_names_and_suggests():
    with pytest.raises(jdxlib.UnknownDatasetError) as exc:
        jdxlib.load("national_indicator")
    msg = str(exc.value)
    assert "Did you mean 'national_indicators'?" in msg
    for name in jdxlib.list_datasets():
        assert name in msg


def test_unknown_dataset_without_close_match():
    with pytest.raises(jdxlib.UnknownDatasetError, match="Valid names: .*municipalities") as exc:
        jdxlib.describe("zzz")
    assert "Did you mean" not in str(exc.value)


def test_every_loader_has_metadata_and_back():
    files = {p.stem for p in (PACKAGE_DIR / "metadata").glob("*.yml")}
    assert files == set(_LOADERS)


@pytest.mark.parametrize("name", sorted(_LOADERS))
def test_metadata_record_is_complete(name):
    meta = jdxlib.describe(name)
    for field in REQUIRED_FIELDS:
        assert getattr(meta, field), f"{name}: {field} empty"
    assert meta.reference_dates
    assert all(s.get("url", "").startswith("http") for s in meta.sources)
    assert meta.credit_line.startswith("出典：")
    if meta.processed:
        assert meta.credit_line.endswith("を加工して作成")
    for col in meta.columns.values():
        assert col.definition, f"{name}.{col.name} has no definition"
