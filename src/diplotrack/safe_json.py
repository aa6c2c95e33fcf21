"""JSON text that is safe to show: the characters JSON allows raw in a string but that a terminal acts
on or a reader may trip over are written as ``\\u`` escapes, so the text parses back to the same
values and ``cat``/``tail -f`` of it cannot be driven by a name an account chose.

Those characters are the C1 controls (U+009B is CSI), the bidi marks, embeddings, overrides and
isolates (they reorder the line) and the line and paragraph separators; C0 controls are escaped by
any JSON encoder already. Used by the CLI's ``--json`` output, the alerts' JSON lines, Atom evidence
and webhook bodies, and discover's evidence file.
"""

from __future__ import annotations

import re

_UNSAFE_IN_JSON = re.compile("[\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def escape_unsafe(json_text: str) -> str:
    """``json_text`` with each unsafe character as a ``\\u`` escape. Outside strings JSON text is ASCII,
    so each such character is inside a string, where its escape is valid: the same JSON once parsed."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)
