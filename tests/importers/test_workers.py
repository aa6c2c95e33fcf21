"""How many worker processes a file gets: none on a machine without free cores beyond the two one
process keeps busy (its reading and its background merging), more as cores are free."""

from __future__ import annotations

import pytest

from diplotrack.importers import chunks
from diplotrack.importers.chunks import CHUNK_BYTES, PARALLEL_MIN_BYTES, worker_count

BIG = 40 * CHUNK_BYTES


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(chunks.ENV_WORKERS, raising=False)


@pytest.mark.parametrize(
    ("free", "size", "want"),
    [
        (2.0, BIG, 0),  # a 2-core machine, idle: one process (workers measured slower there)
        (2.9, BIG, 0),  # one worker would only move the parsing elsewhere
        (3.0, BIG, 2),
        (8.0, BIG, chunks.MAX_WORKERS),
        (8.0, 5 * CHUNK_BYTES, 2),  # one worker per two chunks
        (8.0, PARALLEL_MIN_BYTES - 1, 0),  # small files are read here
        (0.0, BIG, 0),  # a busy machine
    ],
)
def test_workers_follow_free_cores_and_size(monkeypatch: pytest.MonkeyPatch, free: float, size: int, want: int) -> None:
    monkeypatch.setattr(chunks, "free_cores", lambda: free)
    assert worker_count(size) == want


def test_the_environment_decides_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "free_cores", lambda: 0.0)
    monkeypatch.setenv(chunks.ENV_WORKERS, "3")
    assert worker_count(1) == 3


def test_free_cores_is_affinity_less_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(chunks.os, "getloadavg", lambda: (1.5, 0.0, 0.0))
    assert chunks.free_cores() == 2.5
    monkeypatch.setattr(chunks.os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert chunks.free_cores() == 0.0
