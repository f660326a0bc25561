"""What the HTML screens receive for the workshop-level events (join, stage). Each renderer
returns HTML of out-of-band elements that htmx swaps in by id."""

from app.db import session_scope
from app.live.render import renders
from app.services import workshops
from app.services.events import LoggedEvent
from app.web.templating import render_block

PANEL_URLS = {
    "board": "/w/{id}/board",
    "facilitator": "/w/{id}/facilitate",
    "participant": "/w/{id}/p",
}


@renders("participant.joined")
def participant_joined(event: LoggedEvent, audience: str) -> str:
    with session_scope() as session:
        count = workshops.participant_count(session, event.workshop_id)
    return render_block("partials/_live.html", "count", count=count, oob=True)


@renders("stage")
def stage_changed(event: LoggedEvent, audience: str) -> str:
    # The panel differs per screen (a phone's own notes, dots, ratings): each screen fetches its
    # own, once per stage change.
    url = PANEL_URLS[audience].format(id=event.workshop_id)
    return render_block("partials/_live.html", "reload_panel", url=url)
