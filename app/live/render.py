"""Turn a logged event into the SSE message an audience receives. Feature modules register a
renderer per event kind (`@renders("item.created")`); the hub calls `render_event` once per
audience with screens, never once per screen.

Audiences: "board", "facilitator", "participant" (HTML pages) and "api-<role>" (JSON stream).
"""

from collections.abc import Callable

from app.live.hub import Message
from app.services.events import LoggedEvent

HtmlRenderer = Callable[[LoggedEvent, str], str | None]
_html: dict[str, HtmlRenderer] = {}

# Events a participant's or the board's JSON stream does not get (secret while voting is open).
FACILITATOR_ONLY = ("vote.",)


def renders(*kinds: str) -> Callable[[HtmlRenderer], HtmlRenderer]:
    def register(func: HtmlRenderer) -> HtmlRenderer:
        for kind in kinds:
            _html[kind] = func
        return func

    return register


def render_event(event: LoggedEvent, audience: str) -> Message | None:
    if audience.startswith("api-"):
        if audience != "api-facilitator" and event.kind.startswith(FACILITATOR_ONLY):
            return None
        return Message(event.seq, event.kind, event.json())
    renderer = _html.get(event.kind)
    html = renderer(event, audience) if renderer is not None else None
    # Every HTML event carries its id even when it changes nothing on this screen, so that a
    # reconnect resumes after it.
    return Message(event.seq, "update", html or "")
