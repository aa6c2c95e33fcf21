"""Text from the store or from servers, made safe and readable in a terminal.

A handle, a post, a file name or an error a server sent may hold escape sequences (``ESC ]0;…BEL``
retitles the terminal, ``ESC [2J`` clears it) or other control characters. ``clean``
(``untrusted_text.clean``) removes them, whole, keeping the visible text; :func:`safe_text` wraps
the result in a Rich ``Text`` so it is never read as markup; :func:`print_table` prints every table
of the command line, readable at 80 columns; :class:`SafeConsole` cleans whatever string it is asked
to print.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.progress import Task, TextColumn
from rich.table import Table
from rich.text import Text

from diplotrack.untrusted_text import clean


def safe_text(value: object, *, keep_newlines: bool = False) -> Text:
    """A table cell or a line of data: cleaned, and shown as written (never read as Rich markup)."""
    return Text(clean(value, keep_newlines=keep_newlines))


# a terminal narrower than this is taken as FALLBACK_WIDTH wide (a bogus COLUMNS=0 hides all output)
MIN_WIDTH = 20
FALLBACK_WIDTH = 80


class SafeConsole(Console):
    """A console whose ``print`` cleans every plain string and ``Text`` it is given (line breaks
    kept): a message that echoes a handle or a server's words cannot drive the terminal."""

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().print(*(_cleaned(o) for o in objects), **kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size, but a width under ``MIN_WIDTH`` (``COLUMNS=0`` or ``1``: Rich would print
        nothing at all, error messages included) is taken as ``FALLBACK_WIDTH``."""
        size = super().size
        return size if size.width >= MIN_WIDTH else ConsoleDimensions(FALLBACK_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


def _cleaned(obj: Any) -> Any:
    if isinstance(obj, str):
        return clean(obj, keep_newlines=True)
    if isinstance(obj, Text):
        plain = clean(obj.plain, keep_newlines=True)
        return obj if plain == obj.plain else Text(plain, style=obj.style)
    return obj


class SafeTextColumn(TextColumn):
    """A progress column whose description (often a handle or a file name) is cleaned and never
    read as markup."""

    def __init__(self, text_format: str = "{task.description}", **kwargs: Any) -> None:
        super().__init__(text_format, markup=False, **kwargs)

    def render(self, task: Task) -> Text:
        # cleaned before Rich sees it: Text() drops BEL, which would leave an OSC unterminated
        text = Text(clean(self.text_format.format(task=task)), style=self.style, justify=self.justify)
        if self.highlighter:
            self.highlighter.highlight(text)
        return text


# below this many characters a column is not made narrower than its longest word; longer words
# (URLs, ids) may be folded across lines
WORD_CAP = 20
# no column of a table is made narrower than this (or its widest value); when that does not fit,
# each row is printed as a block of lines instead
FOLD_MIN = 10


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    console: Console | None = None,
) -> None:
    """Print rows as a table that stays readable at the console's width.

    Every value is cleaned and shown as written. When each column can get at least its longest word
    (up to ``WORD_CAP`` characters), it is one table whose cells wrap; otherwise (many columns on a
    narrow terminal) each row is printed as a block of ``column  value`` lines, so no value is cut."""
    from diplotrack.cli import common

    console = console or common.console
    header = [clean(c) for c in columns]
    cells = [[clean(v, keep_newlines=True) for v in row] for row in rows]
    widths = _widths(header, cells, console.width)
    if widths is None:
        _print_records(header, cells, console, title)
        return
    table = Table(title=title)
    for name, width in zip(header, widths, strict=True):
        table.add_column(Text(name), overflow="fold", width=width)
    for row in cells:
        table.add_row(*(Text(v) for v in row))
    console.print(table)


def _longest(text: str, *, words: bool) -> int:
    parts = text.split() if words else text.splitlines()
    return max((len(p) for p in parts), default=0)


def _widths(header: list[str], cells: list[list[str]], width: int) -> list[int | None] | None:
    """Each column's width: None for all when the table fits as it is. Otherwise each column gets
    at least its longest word (at most ``WORD_CAP``) so that cells wrap between words; failing that,
    at least ``FOLD_MIN`` characters (longer words are folded across lines). The room left is shared
    in proportion to what each column lacks. None (print records instead) when neither fits."""
    columns = [[h] + [r[i] for r in cells] for i, h in enumerate(header)]
    natural = [max(_longest(v, words=False) for v in col) for col in columns]
    room = width - 3 * len(header) - 1
    if sum(natural) <= room:
        return [None] * len(header)
    words = [max(_longest(v, words=True) for v in col) for col in columns]
    for floor in (WORD_CAP, FOLD_MIN):
        need = [min(floor, w, n) for w, n in zip(words, natural, strict=True)]
        if sum(need) <= room:
            lack = [n - m for n, m in zip(natural, need, strict=True)]
            extra = room - sum(need)
            return [m + extra * lk // sum(lack) for m, lk in zip(need, lack, strict=True)]
    return None


def _print_records(header: list[str], cells: list[list[str]], console: Console, title: str | None) -> None:
    if title:
        console.print(Text(title, style="italic"))
    for n, row in enumerate(cells, start=1):
        console.print(Text(f"── row {n} ──", style="dim"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", overflow="fold", max_width=max(10, console.width // 3))
        grid.add_column(overflow="fold")
        for name, value in zip(header, row, strict=True):
            grid.add_row(Text(name), Text(value))
        console.print(grid)
