"""What the HTML screens receive for each kind of event. Each renderer returns HTML of
out-of-band elements that htmx swaps in by id. It is called once per render key (view and
language), never once per screen."""

from types import SimpleNamespace

from sqlmodel import Session

from app.db import session_scope
from app.live.render import renders, split_key
from app.models import Stage
from app.services import timer, workshops
from app.services.auth import Principal, Role
from app.services.events import LoggedEvent
from app.services.items import STAGE_KIND, ItemView
from app.web.templating import render_block
from app.web.views import Column, board_columns, one_column

PANEL_URLS = {
    "board": "/w/{id}/board",
    "facilitator": "/w/{id}/facilitate",
    "participant": "/w/{id}/p",
}
COLUMN_TEMPLATES = {
    "facilitator": "partials/facilitator/_column.html",
    "public": "partials/_column.html",
}


def _viewer(view: str, workshop_id: int) -> Principal:
    return Principal(Role.facilitator if view == "facilitator" else Role.board, workshop_id)


@renders("participant.joined")
def participant_joined(event: LoggedEvent, key: str) -> str:
    with session_scope() as session:
        count = workshops.participant_count(session, event.workshop_id)
    return render_block("partials/_live.html", "count", count=count)


@renders("stage", per_audience=True)
def stage_changed(event: LoggedEvent, key: str) -> str:
    # The panel differs per screen (a phone's own notes, dots, ratings): each screen fetches its
    # own, once per stage change.
    role, _ = split_key(key)
    url = PANEL_URLS[role].format(id=event.workshop_id)
    return render_block("partials/_live.html", "reload_panel", url=url)


@renders("item.created", "item.updated", "item.deleted", "item.merged")
def item_changed(event: LoggedEvent, key: str) -> str | None:
    view, lang = split_key(key)
    kind = str(event.data.get("kind", ""))
    areas = [a for a in (event.data.get("area"), event.data.get("previous_area")) if a]
    with session_scope() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
        if STAGE_KIND.get(Stage(workshop.stage)) != kind:
            return None  # not a column any screen shows now
        principal = _viewer(view, event.workshop_id)
        html = []
        for area_id in dict.fromkeys(areas):
            column, linked = one_column(session, principal, event.workshop_id, area_id, kind)
            if column is not None:
                html.append(_column_html(view, lang, column, linked, session, event.workshop_id))
    return "".join(html)


@renders("names", "voting", "shortlist", "items.imported")
def columns_changed(event: LoggedEvent, key: str) -> str | None:
    """Names shown or hidden, votes revealed: every column of the current stage changes."""
    view, lang = split_key(key)
    with session_scope() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
        kind = STAGE_KIND.get(Stage(workshop.stage))
        if kind is None:
            return None
        areas = workshops.focus_areas(session, event.workshop_id)
        columns, linked = board_columns(
            session, _viewer(view, event.workshop_id), event.workshop_id, kind, areas
        )
        return "".join(
            _column_html(view, lang, c, linked, session, event.workshop_id) for c in columns
        )


def _column_html(
    view: str,
    lang: str,
    column: Column,
    linked: dict[int, ItemView],
    session: Session,
    workshop_id: int,
) -> str:
    return render_block(
        COLUMN_TEMPLATES.get(view, COLUMN_TEMPLATES["public"]),
        "column",
        col=column,
        linked=linked,
        areas=workshops.focus_areas(session, workshop_id),
        oob=True,
        lang=lang,
        csrf_token="",  # forms in pushed fragments send the token from <body hx-headers>
    )


@renders("timer")
def timer_changed(event: LoggedEvent, key: str) -> str:
    view, lang = split_key(key)
    with session_scope() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
    v = SimpleNamespace(
        id=event.workshop_id,
        workshop=workshop,
        timer_left=timer.seconds_left(workshop),
        timer_running=timer.is_running(workshop),
    )
    if view == "facilitator":  # the controls change too (Start becomes Pause)
        return render_block(
            "partials/facilitator/_timer_controls.html", "controls", v=v, lang=lang, oob=True
        )
    return render_block("partials/_live.html", "timer", v=v, lang=lang)
