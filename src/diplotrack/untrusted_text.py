"""Untrusted text (a handle, a bio, a post, an error a server sent) made safe to show.

:func:`clean`: text a terminal only displays. Escape sequences (``ESC ]0;…BEL`` retitles the
terminal, ``ESC [2J`` clears it) are removed whole, other control characters and bidi embeddings,
overrides and isolates removed, tabs and line breaks made spaces; the visible text is kept.

:func:`escape_unsafe`: JSON text whose characters that JSON allows raw in a string but that a
terminal acts on or a reader may trip over (C1 controls: U+009B is CSI; bidi marks, embeddings,
overrides and isolates; line and paragraph separators) are written as ``\\u`` escapes, so it parses
back to the same values and ``cat``/``tail -f`` of it cannot be driven by a name an account chose (C0
controls are escaped by any JSON encoder already).

Used by the command line (``cli/terminal.py``, ``--json``), the alerts' channels and discover's
outputs; it sits below them all (nothing outside ``cli/`` imports ``cli``).
"""

from __future__ import annotations

import re

# a whole escape sequence: CSI (ESC [ or 8-bit CSI) up to its final byte; OSC, DCS, SOS, PM, APC
# (ESC ], P, X, ^, _ or their 8-bit forms) up to BEL, ST or the end of the text; any other ESC + byte
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)"
    r"|\x1b[ -/]*[0-~]?",
    re.DOTALL,
)
# what is left that a terminal acts on: C0 controls, DEL, C1 controls, bidi embeddings, overrides
# and isolates (they reorder what follows them on the line)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_UNSAFE_IN_JSON = re.compile("[\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def escape_unsafe(json_text: str) -> str:
    """``json_text`` with each unsafe character as a ``\\u`` escape. Outside strings JSON text is ASCII,
    so each such character is inside a string, where its escape is valid: the same JSON once parsed."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def clean(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as text a terminal only displays: escape sequences and control characters removed,
    tabs and line breaks made spaces (line feeds kept when ``keep_newlines``); None is ''. A string
    sequence (OSC, DCS, …) with no terminator takes the rest of the text with it, as a terminal
    would have."""
    if value is None:
        return ""
    text = str(value)
    if keep_newlines:
        text = text.replace("\r\n", "\n")
    text = _SEQUENCE.sub("", text)
    text = _SPACE.sub(lambda m: "\n" if keep_newlines and m.group() == "\n" else " ", text)
    return _CONTROL.sub("", text)
