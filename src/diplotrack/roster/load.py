"""Loading a roster file of either form: the entry points the CLI calls."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from diplotrack.errors import RosterError
from diplotrack.provenance import stored_path
from diplotrack.regular_files import FOLDER, NotRegularFileError, read_regular_text
from diplotrack.roster.csv_form import read_csv
from diplotrack.roster.model import Roster, RosterProblem, SnapshotRow
from diplotrack.roster.snapshots import load_snapshots
from diplotrack.roster.validate import Report, build_actors
from diplotrack.roster.yaml_form import read_yaml

YAML_SUFFIXES = (".yaml", ".yml")
CSV_SUFFIXES = (".csv",)


def bundled_roster_path() -> Path:
    """The roster shipped with diplotrack (Chinese diplomatic and state-media accounts)."""
    return Path(str(files("diplotrack.roster").joinpath("bundled", "china.yaml")))


def _read_text(path: Path) -> str:
    try:
        # -sig: a leading BOM is accepted and dropped; a device or FIFO is refused before any read
        return read_regular_text(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"there is no roster file at {path}; check the path") from None
    except NotRegularFileError as exc:
        if exc.kind == FOLDER:
            raise RosterError(f"{path} is a folder, not a roster file; name a .yaml or .csv file") from None
        raise RosterError(f"{path} is not a regular file (it is {exc.kind}); name a .yaml or .csv file") from None
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path} is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise RosterError(f"cannot read the roster file {path}: {exc.strerror}") from None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Reading a roster makes millions of small objects and no reference cycles; the cyclic
    garbage collector would rescan them all again and again (half the time of a 100,000-account
    YAML roster). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_roster(path: str | os.PathLike[str]) -> tuple[Roster | None, list[RosterProblem]]:
    """Read and check a roster (form chosen by extension).

    Returns ``(roster, [])`` when the file is valid, and ``(None, problems)`` listing every problem
    found otherwise. Raises :class:`RosterError` when the file cannot be read or parsed at all.
    """
    with _gc_paused():
        return _load_roster(Path(path))


def _load_roster(path: Path) -> tuple[Roster | None, list[RosterProblem]]:
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + CSV_SUFFIXES:
        raise RosterError(
            f"{path} is not a roster file: the name must end in .yaml, .yml (YAML form) or .csv (CSV form)"
        )
    source = _read_text(path)
    report = Report(str(path))
    snapshots: list[SnapshotRow] = []
    snapshot_problems: list[RosterProblem] = []
    if suffix in YAML_SUFFIXES:
        doc = read_yaml(source, report)
        actors = build_actors(doc.actors, report)
        snapshots, snapshot_problems = load_snapshots(doc.snapshot_files, path, actors, report)
        roster = Roster(doc.name, doc.description, actors, doc.sources, snapshots, path=stored_path(path))
    else:
        actors = build_actors(read_csv(source, report), report)
        roster = Roster(path.stem, None, actors, path=stored_path(path))
    problems = sorted(report.problems, key=lambda p: p.line) + snapshot_problems
    return (None, problems) if problems else (roster, [])


def validate_file(path: str | os.PathLike[str]) -> list[RosterProblem]:
    """Every problem of a roster file (empty when it is valid); raises RosterError if unreadable."""
    return load_roster(path)[1]
