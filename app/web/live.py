"""What the HTML screens receive for each kind of event. Each renderer returns HTML of
out-of-band elements that htmx swaps in by id. It is called once per render key (view and
language), never once per screen."""

from types import SimpleNamespace

from sqlmodel import Session

from app.db import reading
from app.live.render import held_back, renders, split_key
from app.models import Item, Stage, Workshop
from app.services import followup, timer, voting, workshops
from app.services.auth import viewer
from app.services.events import LoggedEvent
from app.services.items import ItemView
from app.services.vocabulary import ACTION_FIELDS, LINKS_TO, STAGE_KIND
from app.web.templating import render_block
from app.web.views import (
    Column,
    StageView,
    agreement,
    board_columns,
    one_column,
    prioritized,
)

NOTE_TEMPLATES = {"facilitator": "partials/facilitator/_note.html"}


def participant_joined(event: LoggedEvent, key: str) -> str:
    with reading() as session:
        count = workshops.participant_count(session, event.workshop_id)
    return render_block("partials/_live.html", "count", count=count)


def panel_changed(event: LoggedEvent, key: str) -> str:
    """A stage move, voting opened or revealed, the shortlist set: the panel differs per screen
    (a phone's own notes, dots, ratings), so each screen fetches its own again (app.js, retrying
    until it comes). The same bytes tell every screen so."""
    return render_block("partials/_live.html", "reload_panel")


def _owners_changed(event: LoggedEvent) -> bool:
    """An action's owner, date, status or priority: the board's list changes, phones see none."""
    return event.data.get("kind") == "action" and bool(
        set(event.data.get("fields", [])) & ACTION_FIELDS
    )


def item_changed(event: LoggedEvent, key: str) -> str | None:
    view, lang = split_key(key)
    if view != "facilitator" and held_back(event):
        return None
    kind = str(event.data.get("kind", ""))
    areas = [a for a in (event.data.get("area"), event.data.get("previous_area")) if a]
    with reading() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
        if workshop.stage == Stage.review:
            return _review_html(session, workshop, view, lang) if kind == "action" else None
        if workshop.stage in (Stage.prioritize, Stage.closed) and kind == "action":
            return _prioritize_html(session, workshop, view, lang)
        shown = STAGE_KIND.get(Stage(workshop.stage))
        if shown is not None and LINKS_TO.get(shown) == kind:
            # A situation note edited or hidden in the causes stage: the cards that link to it
            # show its text, so every column of the stage is rendered again.
            return _all_columns(session, workshop, view, lang)
        if shown != kind:
            return None  # not a column any screen shows now
        principal = viewer(view, event.workshop_id)
        html = []
        for area_id in dict.fromkeys(areas):
            column, linked = one_column(session, principal, event.workshop_id, area_id, kind)
            if column is not None:
                html.append(_column_html(view, lang, column, linked, session, event.workshop_id))
    return "".join(html)


def ratings_changed(event: LoggedEvent, key: str) -> str | None:
    view, lang = split_key(key)
    with reading() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
        if workshop.stage not in (Stage.prioritize, Stage.closed):
            return None
        return _prioritize_html(session, workshop, view, lang)


def _prioritize_html(session: Session, workshop: Workshop, view: str, lang: str) -> str | None:
    """The board gets its whole list and matrix; the facilitator only the matrix and the rating
    figures, so that a table they are typing in is not replaced; phones get nothing."""
    if view == "participant":
        return None
    assert workshop.id is not None
    principal = viewer(view, workshop.id)
    stage_view = StageView(workshop, workshops.focus_areas(session, workshop.id), 0)
    stage_view.actions, stage_view.causes = prioritized(
        session, principal, workshop.id, stage_view.focus_areas
    )
    stage_view.agreement = agreement(session, principal, workshop)
    if view == "facilitator":
        return render_block(
            "partials/facilitator/_prioritize_live.html", "live_figures", v=stage_view, lang=lang
        )
    return render_block(
        "partials/board/_prioritize.html", "prioritize", v=stage_view, lang=lang, oob=True
    )


def _review_html(session: Session, workshop: Workshop, view: str, lang: str) -> str:
    """The review: the room (board and phones, one render) sees each carried action with its
    colour and decision; the facilitator the same with the buttons that decide."""
    assert workshop.id is not None
    principal = viewer(view, workshop.id)
    stage_view = StageView(workshop, [], 0)
    stage_view.review = followup.carried_actions(session, principal, workshop.id)
    template = (
        "partials/facilitator/_review.html" if view == "facilitator" else "partials/_review.html"
    )
    return render_block(template, "review", v=stage_view, lang=lang, oob=True, csrf_token="")


def dots_changed(event: LoggedEvent, key: str) -> str | None:
    """While voting is open only the facilitator sees dots: the progress and the card's count."""
    view, lang = split_key(key)
    if view != "facilitator":
        return None
    with reading() as session:
        workshop = workshops.get_workshop(session, event.workshop_id)
        kind = STAGE_KIND.get(Stage(workshop.stage))
        if kind is None or kind != event.data.get("kind"):
            return None
        principal = viewer(view, event.workshop_id)
        stage_view = StageView(workshop, [], 0)
        stage_view.kind = kind
        stage_view.voting = workshops.voting_state(workshop, kind)
        stage_view.progress = voting.progress(session, principal, event.workshop_id, kind)
        html = [
            render_block(
                "partials/facilitator/_voting.html",
                "voting",
                v=stage_view,
                lang=lang,
                oob=True,
                csrf_token="",
            )
        ]
        item = session.get(Item, event.data.get("item_id"))
        if item is not None:
            column, linked = one_column(
                session, principal, event.workshop_id, item.focus_area_id, kind
            )
            if column is not None:
                html.append(_column_html(view, lang, column, linked, session, event.workshop_id))
        return "".join(html)


def columns_changed(event: LoggedEvent, key: str) -> str | None:
    """Names shown or hidden, votes revealed: every column of the current stage changes."""
    view, lang = split_key(key)
    with reading() as session:
        return _all_columns(session, workshops.get_workshop(session, event.workshop_id), view, lang)


def _all_columns(session: Session, workshop: Workshop, view: str, lang: str) -> str | None:
    kind = STAGE_KIND.get(Stage(workshop.stage))
    if kind is None:
        return None
    assert workshop.id is not None
    areas = workshops.focus_areas(session, workshop.id)
    columns, linked = board_columns(session, viewer(view, workshop.id), workshop.id, kind, areas)
    return "".join(_column_html(view, lang, c, linked, session, workshop.id) for c in columns)


def _column_html(
    view: str,
    lang: str,
    column: Column,
    linked: dict[int, ItemView],
    session: Session,
    workshop_id: int,
) -> str:
    return render_block(
        "partials/_column.html",
        "column",
        note_template=NOTE_TEMPLATES.get(view, "partials/_note.html"),
        col=column,
        linked=linked,
        areas=workshops.focus_areas(session, workshop_id),
        slug=workshops.get_workshop(session, workshop_id).slug,
        oob=True,
        lang=lang,
        csrf_token="",  # forms in pushed fragments send the token from <body hx-headers>
    )


def timer_changed(event: LoggedEvent, key: str) -> str:
    view, lang = split_key(key)
    with reading() as session:
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


def register_renderers() -> None:
    """What each kind of event shows on the pages; create_app calls this once."""
    renders("participant.joined")(participant_joined)
    renders("stage", "voting", "shortlist")(panel_changed)
    renders(
        "item.created", "item.updated", "item.deleted", "item.merged", per_audience=_owners_changed
    )(item_changed)
    renders("rating.saved", "items.imported", per_audience=True)(ratings_changed)
    renders("vote.cast", "vote.removed")(dots_changed)
    renders("names")(columns_changed)
    renders("timer")(timer_changed)
