"""The report's connection can spill to a private folder, and its memory cap comes from
``$DIPLOTRACK_MEMORY`` (checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplotrack.errors import UsageError
from diplotrack.store.db import bounded_memory, open_store, open_store_read_only


def test_spill_folder_and_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(tmp_path / "s.duckdb").close()
    con = open_store_read_only(tmp_path / "s.duckdb")
    monkeypatch.setenv("DIPLOTRACK_MEMORY", "300MB")
    with bounded_memory(con):
        spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        assert spill.is_dir() and spill.name.startswith("diplotrack-spill-")
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit.endswith("MiB") and 250 < float(limit.split()[0]) <= 300
        # a sort larger than the cap spills instead of failing
        n = con.execute(
            "SELECT count(*) FROM (SELECT range::VARCHAR || repeat('x', 40) AS s FROM range(6000000) ORDER BY s DESC)"
        ).fetchone()[0]
        assert n == 6_000_000
    assert not spill.exists()
    con.close()


def test_a_bad_cap_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store(tmp_path / "s.duckdb").close()
    con = open_store_read_only(tmp_path / "s.duckdb")
    monkeypatch.setenv("DIPLOTRACK_MEMORY", "lots")
    with pytest.raises(UsageError, match="DIPLOTRACK_MEMORY='lots' is not a memory size"), bounded_memory(con):
        pass
    con.close()
