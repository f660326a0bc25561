"""Server-Sent Events: the HTML pages' stream and the JSON API's. Every message has an `id:` (the
workshop's event seq); a screen that reconnects with Last-Event-ID (or ?last=, which our script
keeps current for when htmx has to open a new EventSource) gets what it missed from the event log,
in order, then live events."""

import asyncio
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.api.deps import caller
from app.db import reading
from app.deps import WorkshopId
from app.live.hub import Hub, Message, repeated
from app.live.render import coalesce_key, render_event, render_key
from app.numbers import whole_number
from app.services import events
from app.services.auth import Principal, Role, require
from app.services.workshops import get_workshop
from app.web.common import language
from app.web.deps import page_principal, workshop_of

router = APIRouter()

AUDIENCE_ROLES = {
    "board": (Role.board, Role.facilitator),
    "facilitator": (Role.facilitator,),
    "participant": (Role.participant,),
}
RETRY_MS = 2000


def _last_seen(request: Request) -> int | None:
    seen = whole_number(request.headers.get("last-event-id") or request.query_params.get("last"))
    return seen if seen is not None and seen >= 0 else None  # else not ours: start from now


def _current_seq(workshop_id: int) -> int:
    with reading() as session:
        return get_workshop(session, workshop_id).event_seq


# A page that missed more than this reloads its panel instead of replaying change by change.
REPLAY_LIMIT = 200
PAGE = 1000


def _missed(workshop_id: int, after: int, audience: str) -> list[Message]:
    """What a reconnecting screen missed. The JSON stream gets every event; a page gets each
    render once (like a burst of live events), or one panel reload when it was away long."""
    with reading() as session:
        if audience.startswith("api-"):
            logged: list[events.LoggedEvent] = []
            while page := events.events_since(session, workshop_id, after, limit=PAGE):
                logged.extend(page)
                after = page[-1].seq
        else:
            logged = events.events_since(session, workshop_id, after, limit=REPLAY_LIMIT + 1)
    if not audience.startswith("api-"):
        if len(logged) > REPLAY_LIMIT:
            latest = _current_seq(workshop_id)
            reload = events.LoggedEvent(workshop_id, latest, "stage")
            message = render_event(reload, render_key(reload, audience))
            return [message] if message is not None else []
        skip = repeated(logged, coalesce_key)
        logged = [e for i, e in enumerate(logged) if i not in skip]
    rendered = (render_event(e, render_key(e, audience)) for e in logged)
    return [m for m in rendered if m is not None]


async def _stream(
    request: Request, workshop_id: int, audience: str, last: int | None
) -> AsyncIterator[ServerSentEvent | bytes]:
    hub: Hub = request.app.state.hub
    sub = hub.subscribe(workshop_id, audience)  # before the replay, so nothing falls between
    try:
        try:
            await hub.ready(sub)  # the worker knows where the log stands: later events come live
        except TimeoutError:
            return  # the database is away: the browser comes back and tries again
        if last is None:
            last = await anyio.to_thread.run_sync(_current_seq, workshop_id)
        # Subscribed: say so, and how soon to come back after a drop.
        yield ServerSentEvent(comment="connected", retry=RETRY_MS)
        for message in await anyio.to_thread.run_sync(_missed, workshop_id, last, audience):
            last = message.seq
            yield message.wire
        while True:
            live = await sub.queue.get()
            if live is None:
                return  # too slow: the browser reconnects and catches up from the log
            if live.seq <= last:
                continue
            last = live.seq
            yield live.wire  # the same bytes for every screen of the audience
    except asyncio.CancelledError:
        raise
    finally:
        hub.unsubscribe(sub)


def _language(request: Request, workshop_id: int) -> str:
    with reading() as session:
        return language(request, get_workshop(session, workshop_id))


@router.get("/w/{slug}/stream", include_in_schema=False)
async def page_stream(slug: str, request: Request) -> EventSourceResponse:
    audience = request.query_params.get("as", "participant")
    if audience not in AUDIENCE_ROLES:
        audience = "participant"
    workshop_id = await workshop_of(slug)
    await page_principal(request, workshop_id, AUDIENCE_ROLES[audience])
    lang = await anyio.to_thread.run_sync(_language, request, workshop_id)
    return EventSourceResponse(
        _stream(request, workshop_id, f"{audience}:{lang}", _last_seen(request)),
        ping=15,
        # A named event, not a comment: browsers surface it, so app.js can tell a silently dead
        # connection (wifi gone without a reset) from a quiet workshop.
        ping_message_factory=lambda: ServerSentEvent(event="ping", data="1"),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        send_timeout=30,
    )


@router.get("/api/v1/workshops/{workshop_id}/events", tags=["live"])
async def api_stream(workshop_id: WorkshopId, request: Request) -> EventSourceResponse:
    """`text/event-stream` of the workshop's events: `id:` is the event seq, `event:` its kind,
    `data:` a small JSON object naming what changed. Send `Last-Event-ID` to replay."""
    principal: Principal = require(await caller(request), workshop_id)
    audience = f"api-{principal.role.value}"
    return EventSourceResponse(
        _stream(request, workshop_id, audience, _last_seen(request)),
        ping=15,
        headers={"Cache-Control": "no-store"},
        send_timeout=30,
    )
