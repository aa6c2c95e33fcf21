"""The dashboard as an ASGI application (FastAPI on Starlette): every page of the registry
(serve/pages/__init__.py) at its address as HTML, as JSON (``<path>.json``) and as CSV
(``<path>.csv``), the OpenAPI description at ``/openapi.json``, and the vendored static files.

``create_app`` takes an open ``StoreReader``; ``diplotrack serve`` (cli/serve.py) makes one and runs
the app under uvicorn.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from importlib import resources
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from diplotrack import __version__
from diplotrack.errors import DiplotrackError, UsageError
from diplotrack.serve import network_view, render
from diplotrack.serve.options import filter_options
from diplotrack.serve.pages import PAGES, NotFound
from diplotrack.serve.pages.base import Context, Page
from diplotrack.serve.params import View, parse_view
from diplotrack.serve.reader import StoreReader
from diplotrack.serve.security import Guard

log = logging.getLogger("diplotrack.serve")


def json_path(page: Page) -> str:
    return "/overview.json" if page.path == "/" else page.path + ".json"


def csv_path(page: Page) -> str:
    return "/overview.csv" if page.path == "/" else page.path + ".csv"


def create_app(reader: StoreReader, *, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> Any:
    """The application over ``reader``, guarded for the address it listens on (serve/security.py)."""
    app = FastAPI(
        title="diplotrack",
        version=__version__,
        description="Read-only JSON API of a diplotrack store: every dashboard page has a JSON twin. See docs/api.md.",
        docs_url=None,  # the interactive docs load scripts from a CDN: the description is served as JSON
        redoc_url=None,
    )
    env = render.environment()
    app.state.reader = reader
    static = resources.files("diplotrack.serve") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    def view_of(request: Request) -> View:
        query: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            query.setdefault(k, []).append(v)
        return parse_view(query, con=reader.cursor(), topics=filter_options(reader)["topic"])

    def common(request: Request, page: Page, view: View) -> dict[str, Any]:
        return {
            "page": page,
            "pages": [p for p in PAGES if p.in_nav],
            "view": view,
            "path": request.url.path,
            "options": filter_options(reader),
            "refreshed_at": reader.refreshed_at(),
            "json_path": json_path,
            "csv_path": csv_path,
            "watching": w.state if (w := getattr(app.state, "watcher", None)) is not None else None,
        }

    def error_page(request: Request, status: int, message: str, as_json: bool) -> Response:
        if as_json:
            return Response(
                render.json_bytes({"error": message, "status": status}), status, media_type="application/json"
            )
        html = env.get_template("error.html.j2").render(
            message=message, status=status, pages=[p for p in PAGES if p.in_nav], refreshed_at=None, version=__version__
        )
        return HTMLResponse(html, status)

    def handle(request: Request, page: Page, fmt: str) -> Response:
        try:
            view = view_of(request)
            ctx = Context(reader, view, dict(request.path_params))
            base = request.url.path
            if fmt == "html":
                page.table(view.table)  # an unknown _table: 400, as on the JSON and CSV twins
                panels = []
                for t in page.tables:
                    tv = table_view(view, page, t)
                    panel = t.build(Context(reader, tv, ctx.path_params))
                    panel.view = tv
                    panels.append((t, panel))
                html = env.get_template(page.template).render(panels=panels, ctx=ctx, **common(request, page, view))
                return HTMLResponse(html)
            table = page.table(view.table)
            panel = table.build(ctx)
            if fmt == "csv":
                name = f"{page.name}-{table.name}.csv"
                return Response(
                    render.csv_bytes(panel.rows),
                    media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'},
                )
            body = render.json_payload(
                panel,
                page=page.name,
                table=table.name,
                tables=[t.name for t in page.tables],
                view_description=view.describe(),
                shape=view.shape,
                refreshed_at=reader.refreshed_at(),
                next_url=_next_url(view, base, table.name, panel.next),
            )
            return Response(render.json_bytes(body), media_type="application/json")
        except NotFound as exc:
            return error_page(request, 404, str(exc), fmt != "html")
        except UsageError as exc:
            return error_page(request, 400, str(exc), fmt != "html")
        except (DiplotrackError, duckdb.Error) as exc:
            log.exception("request failed: %s", request.url.path)
            return error_page(request, 500, f"the store could not answer: {str(exc).splitlines()[0]}", fmt != "html")

    for page in PAGES:
        _register(app, page, handle)
    network_view.register(app, reader)  # the network drawing and its GEXF/GraphML downloads

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return error_page(request, 404, "there is no page at this address", request.url.path.endswith(".json"))

    guard = Guard(app, host=host, port=port, token=token)
    guard.inner = app  # the FastAPI app (its routes, its OpenAPI description)
    return guard


def table_view(view: View, page: Page, table: Any) -> View:
    """The view one table of an HTML page is built for: the sort and page (``_sort``, ``_next``)
    belong to the table ``_table`` names (the first one when none is named); the others show their
    first page in their own order."""
    own = view.table == table.name or (view.table is None and table is page.tables[0])
    if own:
        return view.with_table(table.name)
    return replace(view, table=table.name, sort=None, sort_desc=False, next=None)


def _next_url(view: View, base: str, table: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return base + view.query(keep_controls=True, _table=table if view.table else None, _next=cursor)


def _register(app: FastAPI, page: Page, handle: Any) -> None:
    """GET and HEAD routes for ``page``: JSON and CSV first (their paths end in .json/.csv), in the
    OpenAPI description; then the HTML page, which is not."""
    tables = ", ".join(f"`{t.name}` ({t.description or t.title})" for t in page.tables)
    doc = f"{page.description or page.title}\n\nTables (`_table=`): {tables}. Filters and controls: see docs/api.md."

    def endpoint(fmt: str) -> Any:
        def answer(request: Request) -> Response:
            return handle(request, page, fmt)

        return answer

    for fmt, path in (("json", json_path(page)), ("csv", csv_path(page)), ("html", page.path)):
        documented = fmt != "html"
        app.add_api_route(
            path,
            endpoint(fmt),
            methods=["GET"],
            summary=f"{page.title} ({fmt.upper()})",
            description=doc,
            name=f"{page.name}_{fmt}" if documented else page.name,
            tags=[page.name],
            include_in_schema=documented,
        )
        app.add_api_route(path, endpoint(fmt), methods=["HEAD"], include_in_schema=False)
