"""The app: routers, middleware, and a lifespan that upgrades the schema and starts the broker."""

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app import errors
from app.api import export as api_export
from app.api import items as api_items
from app.api import voting as api_voting
from app.api import workshops as api_workshops
from app.config import ROOT, get_settings
from app.db import dispose_engines, reading
from app.deps import refuse_nul
from app.live import streams
from app.live.broker import Broker
from app.live.hub import Hub
from app.live.log_broker import LogBroker, PgBroker
from app.live.render import coalesce_key, render_event, render_key
from app.migrations import upgrade_to_head
from app.security import SecurityMiddleware
from app.services import events, uow
from app.web import board, docs, facilitate, join, live, notes, start
from app.web import followup as web_followup
from app.web import voting as web_voting


class CachedStaticFiles(StaticFiles):
    """Files are addressed with ?v=<content hash> (templating.static_url): cache for a year."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if scope.get("query_string"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=300"
        return response


class RedactKeys(logging.Filter):
    """Secret links carry their token (?key=…): keep it out of the access log."""

    KEY = re.compile(r"([?&]key=)[^&\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = self.KEY.sub(r"\1…", str(args[2]))
            record.args = tuple(args)
        return True


def make_broker() -> Broker:
    """Every screen hears every change, whichever worker or host made it: PostgreSQL's NOTIFY
    tells all of them; on SQLite (one host) each worker polls the log. Also for one worker: the
    app cannot tell how many uvicorn started, a wrong guess loses events, and its own events
    cost it nothing extra."""
    settings = get_settings()
    url, poll_s = settings.database_url, settings.live_poll_s
    if url.startswith("postgresql"):
        return PgBroker(url, poll_s=poll_s or 5.0)
    return LogBroker(poll_s=poll_s or 0.15)


def create_app() -> FastAPI:
    settings = get_settings()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in access_log.filters):
        access_log.addFilter(RedactKeys())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade_to_head()
        broker = make_broker()
        await broker.start()
        app.state.broker = broker
        app.state.hub = Hub(broker, render_event, render_key, coalesce_key)
        events.add_publisher(broker.publish)
        yield
        events.remove_publisher(broker.publish)
        await broker.stop()
        uow.stop_writers()
        dispose_engines()

    app = FastAPI(
        title="Kraftsamla",
        version="1.0",
        description="Run a joint safety workshop: situation picture, causes, actions, dot "
        "voting, prioritization and an action list in Excel.",
        lifespan=lifespan,
        # /docs is ours (app/web/docs.py): FastAPI's loads Swagger from a CDN, which the CSP
        # blocks. ReDoc, also from a CDN, is left out; /openapi.json is the contract.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_nul)],
        telemetry=None
        if settings.telemetry
        else {"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    live.register_renderers()
    errors.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=800)
    app.add_middleware(
        SecurityMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        secure_cookies=settings.secure_cookies,
    )
    app.mount("/static", CachedStaticFiles(directory=ROOT / "static"), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> Response:
        with reading() as session:
            session.execute(text("select 1"))
        return JSONResponse({"status": "ok"})

    app.include_router(api_workshops.router)
    app.include_router(api_items.router)
    app.include_router(api_export.router)
    app.include_router(api_voting.router)
    app.include_router(streams.router)
    app.include_router(start.router)
    app.include_router(join.router)
    app.include_router(facilitate.router)
    app.include_router(board.router)
    app.include_router(notes.router)
    app.include_router(web_voting.router)
    app.include_router(web_followup.router)
    app.include_router(docs.router)
    return app


app = create_app()
