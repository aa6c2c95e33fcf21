"""Computing the unfiltered view of every page once, in a background thread, when the server starts
and after each collection run of ``serve --watch``: the first visitor of a page (the overview first)
then meets the in-memory cache instead of seconds of network metrics or co-action detection at a
million posts. Requests are answered meanwhile (a request for a table being warmed waits for it
instead of computing it twice: ``StoreReader.memo``)."""

from __future__ import annotations

import logging
import threading

from diplotrack.serve.params import parse_view
from diplotrack.serve.reader import StoreReader

log = logging.getLogger("diplotrack.serve")


def warm_up(reader: StoreReader) -> None:
    """Build every table of every page without path parameters for the unfiltered view, then the
    network drawings; a table that fails is logged and left to the request that asks for it."""
    from diplotrack.serve.app import table_view
    from diplotrack.serve.network_view import warm_drawings
    from diplotrack.serve.pages import PAGES
    from diplotrack.serve.pages.base import Context

    view = parse_view({}, con=reader.cursor())
    for page in PAGES:
        if "{" in page.path:
            continue
        for table in page.tables:
            try:
                table.build(Context(reader, table_view(view, page, table)))
            except Exception:  # a warm-up must not stop the server; the request will say what failed
                log.exception("warming %s/%s failed", page.name, table.name)
    warm_drawings(reader)


def warm_in_background(reader: StoreReader) -> threading.Thread:
    thread = threading.Thread(target=warm_up, args=(reader,), name="diplotrack-warm", daemon=True)
    thread.start()
    return thread
