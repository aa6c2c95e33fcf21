"""Which files an import reads, and what it does with one it cannot read."""

from __future__ import annotations

import shutil

from diplotrack.importers import run as run_module
from diplotrack.importers.run import expand_paths, import_paths


def test_hidden_folders_are_not_walked(tmp_path, twarc_dir) -> None:
    shutil.copy(twarc_dir / "two_tweets.jsonl", tmp_path / "a.jsonl")
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "objects" / "ab").write_bytes(b"\x78\x9c junk")
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    assert expand_paths([tmp_path]) == [tmp_path / "a.jsonl"]


def test_an_unreadable_file_is_a_skip_and_the_rest_is_imported(con, tmp_path, twarc_dir, monkeypatch) -> None:
    good = tmp_path / "good.jsonl"
    bad = tmp_path / "locked.jsonl"
    shutil.copy(twarc_dir / "two_tweets.jsonl", good)
    bad.write_text("{}\n")
    real = run_module.read_head

    def read_head(path):  # root reads any file: simulate what a user without permission gets
        if path == bad:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(run_module, "read_head", read_head)
    r = import_paths(con, [bad, good])
    assert r.posts_new > 0
    assert [(s.file, s.line, s.reason) for s in r.skipped] == [(str(bad), None, "cannot be read: Permission denied")]
