"""Turn a logged event into the SSE message an audience receives. The pages' renderers are
registered per event kind by create_app (app/web/live.py, `register_renderers`); the hub calls
`render_event` once per audience with screens, never once per screen.

Audiences: "board", "facilitator", "participant" (HTML pages) and "api-<role>" (JSON stream).
"""

from collections.abc import Callable

from app.live.hub import Message
from app.services.events import LoggedEvent

HtmlRenderer = Callable[[LoggedEvent, str], str | None]
_html: dict[str, HtmlRenderer] = {}
# Event kinds whose output differs per audience, always or for some events (a predicate).
_per_screen_kind: dict[str, Callable[[LoggedEvent], bool]] = {}

# The board and the phones see the same notes (visible ones, names only when shown, votes only
# when revealed), so one render serves both; the facilitator sees everything.
SHARED_VIEWS = {"board": "public", "participant": "public"}

# Events a participant's or the board's JSON stream does not get (secret while voting is open).
FACILITATOR_ONLY = ("vote.",)


def held_back(event: LoggedEvent) -> bool:
    """A note held back for review (it may hold personal data) arrived: nothing for the room.
    (When the facilitator releases it, its "item.updated" reaches every screen.)"""
    return event.kind == "item.created" and bool(event.data.get("held"))


def renders(
    *kinds: str, per_audience: bool | Callable[[LoggedEvent], bool] = False
) -> Callable[[HtmlRenderer], HtmlRenderer]:
    """Register an HTML renderer: `renders("item.created")(func)`. It is called with a view key
    ("public" for board and phones, "facilitator"), or with the audience itself when the output
    differs per audience (always, or for the events a predicate picks)."""

    def register(func: HtmlRenderer) -> HtmlRenderer:
        for kind in kinds:
            _html[kind] = func
            if per_audience:
                _per_screen_kind[kind] = (
                    per_audience if callable(per_audience) else (lambda event: True)
                )
        return func

    return register


def render_key(event: LoggedEvent, audience: str) -> str:
    """Screens whose keys are equal receive the same rendered bytes. HTML audiences are
    "role:lang" (e.g. "participant:sv"); keys keep the language."""
    if audience.startswith("api-"):
        return audience if audience == "api-facilitator" else "api-other"
    per_screen = _per_screen_kind.get(event.kind)
    if per_screen is not None and per_screen(event):
        return audience
    role, _, lang = audience.partition(":")
    return f"{SHARED_VIEWS.get(role, role)}:{lang}"


def coalesce_key(event: LoggedEvent) -> str | None:
    """Events with the same key re-render the same thing from the current state, so when several
    wait in the queue only the last needs rendering (a burst of notes to one column)."""
    if event.kind.startswith("item."):
        areas = sorted(a for a in (event.data.get("area"), event.data.get("previous_area")) if a)
        return f"{event.data.get('kind')}:{areas}"
    if event.kind.startswith("vote."):
        # The facilitator's progress and the note's column: a burst of dots renders once.
        return f"vote:{event.data.get('kind')}:{event.data.get('area')}"
    if event.kind in ("participant.joined", "timer"):
        return event.kind
    return None


def split_key(key: str) -> tuple[str, str]:
    """("public" | "facilitator" | a role, language) of a render key."""
    view, _, lang = key.partition(":")
    return view, lang or "sv"


def render_event(event: LoggedEvent, key: str) -> Message | None:
    """The message for a render key (see render_key)."""
    if key.startswith("api-"):
        if key != "api-facilitator" and (
            event.kind.startswith(FACILITATOR_ONLY) or held_back(event)
        ):
            return None
        return Message(event.seq, event.kind, event.json())
    renderer = _html.get(event.kind)
    html = renderer(event, key) if renderer is not None else None
    # Every HTML event carries its id even when it changes nothing on this screen, so that a
    # reconnect resumes after it.
    return Message(event.seq, "update", html or "")
