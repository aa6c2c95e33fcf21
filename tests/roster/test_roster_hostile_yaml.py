"""Hostile YAML rosters are refused quickly with FILE:LINE, never expanded (billion laughs)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from diplotrack.errors import RosterError
from diplotrack.roster import load_roster

# Nine levels of nine aliases each: 9**9 (387 million) strings once expanded.
BOMB = (
    "roster: 1\n"
    "name: bomb\n"
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{new}: &{new} [{','.join(f'*{old}' for _ in range(9))}]\n"
        for old, new in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "actors:\n  - actor_id: x\n    name: *i\n    kind: embassy\n    state: CN\n"
)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (rather than hang) when the body runs past ``seconds``."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_alias_bomb_is_refused_at_the_first_alias_in_well_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    start = time.perf_counter()
    with deadline(5), pytest.raises(RosterError) as info:
        load_roster(path)
    assert time.perf_counter() - start < 1.0
    assert str(info.value).startswith(f"{path}:4: yaml: ")
    assert "alias" in str(info.value)


def test_a_single_alias_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "roster: 1\nname: r\nactors:\n"
        "  - actor_id: a\n    name: A\n    kind: embassy\n    state: CN\n    host_country: &fr FR\n"
        "  - actor_id: b\n    name: B\n    kind: embassy\n    state: CN\n    host_country: *fr\n",
        encoding="utf-8",
    )
    with deadline(5), pytest.raises(RosterError, match=rf"^{path}:13: yaml: .*alias"):
        load_roster(path)


@pytest.mark.parametrize(
    "value",
    ["'*not an alias*'", '"a & b *c"', "text with * and & inside", "'&anchor-like'"],
)
def test_stars_and_ampersands_in_values_are_plain_text(tmp_path: Path, value: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        f"roster: 1\nname: r\nactors:\n  - actor_id: a\n    name: A\n    kind: other\n    state: CN\n"
        f"    notes: {value}\n",
        encoding="utf-8",
    )
    roster, problems = load_roster(path)
    assert problems == [] and roster is not None
    assert roster.actors[0].notes == value.strip("'\"")


def test_an_undefined_alias_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("roster: 1\nname: r\nactors:\n  - actor_id: *nope\n", encoding="utf-8")
    with pytest.raises(RosterError, match=rf"^{path}:4: yaml: "):
        load_roster(path)


def test_deep_nesting_is_refused_not_crashing(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("roster: 1\nname: r\nactors: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with deadline(5), pytest.raises(RosterError, match=rf"^{path}:3: yaml: "):
        load_roster(path)
